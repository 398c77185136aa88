# idl: filled in by its layer
