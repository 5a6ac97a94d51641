"""The commands around the build: the live preview and publishing to gh-pages."""
