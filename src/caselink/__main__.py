"""``python -m caselink`` runs the CLI."""

from caselink.cli import main

main()
