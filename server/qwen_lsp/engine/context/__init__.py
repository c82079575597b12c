"""What goes into a prompt: the code around the cursor, other files' code, and what may be sent."""
