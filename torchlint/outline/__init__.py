"""What one file declares and how its names resolve: imports, the ``ast`` outline every file gets, the LibCST
file model of files with a module class, and which of its classes are ``nn.Module`` subclasses."""
