using System.Runtime.Versioning;

// p drives OpenSSH, rsync and tmux the Unix way; Windows is not a client platform.
[assembly: UnsupportedOSPlatform("windows")]
