"""The ROS 2 adapter: the lifecycle node and its helpers. The only part of the package that imports rclpy
or message packages; nothing outside it imports it."""
