"""Tools on top of the engine: the ``edge-ocr`` command, image/video sources, drawing and dataset evaluation."""
