"""What a plugin is built from: the Plugin base, command declarations and converters, Context, settings,
jobs, the replay guard (make_once), contracts between plugins, exports. Plugin authors import these
through the public face `matrixbot`."""
