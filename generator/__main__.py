"""`python -m generator` runs the `unrolled` command."""

from .cli import main

main()
