"""Tables of the changes domain."""
