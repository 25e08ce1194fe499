"""Running TFLite models: interpreters and the Edge TPU delegate (``interpreter``), quantized tensor I/O
(``tensor_io``) and what a model file holds (``inspection``)."""
