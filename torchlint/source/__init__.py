"""Source text in and out: decoding and atomic writing of files, physical lines, guarded LibCST parsing, node
positions and the statement walks and syntax shapes every later stage reads."""
