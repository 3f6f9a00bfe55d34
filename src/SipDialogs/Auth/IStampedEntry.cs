namespace SipDialogs.Auth;

/// <summary>An entry of a <see cref="StripedTable{TKey, TEntry}"/>: its stamp (Unix milliseconds) orders eviction.</summary>
internal interface IStampedEntry
{
    /// <summary>When the entry's subject began: a nonce's issue time, a failure window's start.</summary>
    long Stamp { get; }
}
