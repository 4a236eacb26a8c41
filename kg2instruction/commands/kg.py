"""`kg2i` commands: kg (to be filled by its owner)."""
import typer


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
