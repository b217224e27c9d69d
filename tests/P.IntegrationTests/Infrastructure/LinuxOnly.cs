using System.Runtime.Versioning;

// The end-to-end tests drive sshd, unshare, tmux and /proc: Linux only.
[assembly: SupportedOSPlatform("linux")]
