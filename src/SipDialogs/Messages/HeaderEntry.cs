using System.Runtime.CompilerServices;

namespace SipDialogs.Messages;

/// <summary>
/// Where one header line sits in a message's bytes. Offsets are from the start of the message buffer; the value
/// range is trimmed of surrounding whitespace and, when <see cref="Folded"/>, spans continuation lines
/// (RFC 3261 §7.3.1) that are unfolded only when the value is asked for. Twelve bytes, as every message holds an
/// inline table of them: the value is placed relative to the name and both fit 16 bits, which any header block
/// within the default limits does (a value that would not is refused with its line, see <see cref="TrySetValue"/>).
/// </summary>
internal struct HeaderEntry
{
    public int NameStart;
    private ushort _valueOffset;
    private ushort _valueLength;
    public ushort NameLength;
    public SipHeaderKind Kind;
    public bool Folded;

    public readonly int ValueStart => NameStart + _valueOffset;

    public readonly int ValueLength => _valueLength;

    public readonly int ValueEnd => ValueStart + ValueLength;

    /// <summary>Places the value; false when it starts or runs more than 65,535 bytes past the name's start.</summary>
    public bool TrySetValue(int start, int length)
    {
        int offset = start - NameStart;
        if (offset is < 0 or > ushort.MaxValue || length is < 0 or > ushort.MaxValue)
        {
            return false;
        }

        _valueOffset = (ushort)offset;
        _valueLength = (ushort)length;
        return true;
    }
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
