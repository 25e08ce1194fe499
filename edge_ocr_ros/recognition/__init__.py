"""Word recognition: crops (``crop``), the CRNN model (``crnn``), CTC decoding (``ctc``), the alphabet
(``charset``) and the word list near misreads snap to (``lexicon``)."""
