namespace SipDialogs.Dns;

/// <summary>The records of one lookup (empty for none), or the error that stopped it.</summary>
internal readonly record struct DnsAnswer<T>(T[] Records, SipLocateError Error, string? Detail);
