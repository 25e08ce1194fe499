"""The text map: readings of signs fused into landmarks in a fixed frame, queried and stored (no ROS import)."""
