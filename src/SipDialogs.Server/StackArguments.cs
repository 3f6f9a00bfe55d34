using Microsoft.Extensions.Logging;

namespace SipDialogs.Server;

/// <summary>What every command that runs a stack takes from its command line.</summary>
/// <param name="Listen">The --listen entries; none keeps the configured or default end points.</param>
/// <param name="Shards">The --shards count, or null for the configured or default count.</param>
/// <param name="Config">A JSON configuration file (section SipDialogs), or null.</param>
/// <param name="LogFormat">text or json.</param>
/// <param name="TlsCertificate">A PKCS#12 file for TLS, or null.</param>
/// <param name="LogLevel">The least severe level logged (--log-level); Trace adds the SIP message trace.</param>
internal sealed record StackArguments(
    IReadOnlyList<string> Listen, int? Shards, FileInfo? Config, string LogFormat, FileInfo? TlsCertificate, LogLevel LogLevel = LogLevel.Information);
