"""The LSP edge: pygls wiring that turns protocol messages into engine tasks and back."""
