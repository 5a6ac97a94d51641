"""The model tier: min-char-rnn in numpy, its fast training path, and the recording of traces."""
