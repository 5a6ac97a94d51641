"""The rendering tier: Markdown, the code listing, the SVG diagram, the player's program and the figure."""
