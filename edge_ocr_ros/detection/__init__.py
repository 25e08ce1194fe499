"""Text detection: the EAST model (``east``), its views of a frame (``views``), RBOX decoding (``rbox``),
suppression (``nms``) and word ends from the score map (``score_extent``)."""
