"""One /diagnostics message from a node's status and its key-value figures (both nodes report this way)."""

from __future__ import annotations

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

__all__ = ["publish_status"]


def publish_status(node, publisher, status: DiagnosticStatus, values: dict[str, str]) -> None:
    """Publish ``status`` with ``values`` as its key-value pairs, stamped with the node's clock."""
    status.values = [KeyValue(key=k, value=v) for k, v in values.items()]
    msg = DiagnosticArray(status=[status])
    msg.header.stamp = node.get_clock().now().to_msg()
    publisher.publish(msg)
