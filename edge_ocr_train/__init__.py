"""Training, synthetic data and export tools for edge_ocr_ros's default models.

This package may import TensorFlow/Keras; the runtime package ``edge_ocr_ros`` never does.
"""
