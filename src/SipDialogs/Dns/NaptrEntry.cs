namespace SipDialogs.Dns;

/// <summary>One NAPTR record as RFC 3263 §4.1 uses it: its order, preference, flags, service and replacement.</summary>
internal readonly record struct NaptrEntry(int Order, int Preference, string Flags, string Services, string Replacement);
