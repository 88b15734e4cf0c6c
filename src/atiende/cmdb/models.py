"""Tables of the cmdb domain."""
