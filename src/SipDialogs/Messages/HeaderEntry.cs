using System.Runtime.CompilerServices;

namespace SipDialogs.Messages;

/// <summary>
/// Where one header line sits in a message's bytes. Offsets are from the start of the message buffer; the value
/// range is trimmed of surrounding whitespace and, when <see cref="Folded"/>, spans continuation lines
/// (RFC 3261 §7.3.1) that are unfolded only when the value is asked for.
/// </summary>
internal struct HeaderEntry
{
    public int NameStart;
    public int ValueStart;
    public int ValueLength;
    public ushort NameLength;
    public SipHeaderKind Kind;
    public bool Folded;

    public readonly int ValueEnd => ValueStart + ValueLength;
}

/// <summary>
/// The first header entries of a message, stored inline in the message object so that indexing a typical
/// message allocates nothing beyond the message itself.
/// </summary>
[InlineArray(Capacity)]
internal struct HeaderEntryBuffer
{
    public const int Capacity = 32;

    private HeaderEntry _element0;
}
