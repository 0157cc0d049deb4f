"""What a plugin is built from: the Plugin base, command declarations and converters, Context, settings,
exports. Plugin authors import these through the public face `matrixbot`."""
