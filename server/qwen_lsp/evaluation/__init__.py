"""``qwen-lsp eval``: completion quality measured on the user's own code.

:mod:`sampling` picks cursor points and hides the code after them up to a natural end,
:mod:`metrics` scores what came back, :mod:`report` runs the engine and prints the table.
"""
