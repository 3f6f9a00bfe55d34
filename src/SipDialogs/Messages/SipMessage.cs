using System.Buffers;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// A parsed SIP message (RFC 3261 §7): its start line and header block are indexed once, and each header value is
/// decoded only when it is asked for. The original bytes are kept, so a proxy or B2BUA can forward headers it does
/// not understand untouched. Instances are immutable after parsing and safe to read from any number of threads at
/// once: a value decoded on demand is published with one atomic compare-and-swap, so readers that race decode the
/// same bytes and all return the one instance that won, and nothing a reader was given is ever changed afterwards.
/// </summary>
/// <remarks>
/// The message refers to the memory it was parsed from and does not copy it: the caller must not reuse that
/// memory while the message is in use (<see cref="SipMessageParser"/> copies stream input, which it does not own).
/// </remarks>
public abstract partial class SipMessage
{
    private readonly ReadOnlyMemory<byte> _buffer;
    private HeaderEntryBuffer _inline;
    private HeaderEntry[]? _overflow;
    private byte[]?[]? _unfolded;
    private int _count;
    private int _bodyStart;
    private int _bodyLength;
    private string? _callId;

    // Positions of the headers every message carries, found while indexing (-1 when absent).
    private int _viaIndex = -1;
    private int _fromIndex = -1;
    private int _toIndex = -1;
    private int _callIdIndex = -1;
    private int _cseqIndex = -1;
    private int _contentLengthIndex = -1;
    private uint _cseqNumber;
    private string _cseqMethod = string.Empty;

    private protected SipMessage(ReadOnlyMemory<byte> buffer) => _buffer = buffer;

    /// <summary>True for a <see cref="SipRequest"/>, false for a <see cref="SipResponse"/>.</summary>
    public abstract bool IsRequest { get; }

    /// <summary>The message's bytes as received, from the start line to the end of the body.</summary>
    public ReadOnlyMemory<byte> Buffer => _buffer;

    /// <summary>The number of header lines (a folded header counts once).</summary>
    public int HeaderCount => _count;

    /// <summary>The body (RFC 3261 §7.4), empty when there is none.</summary>
    public ReadOnlyMemory<byte> Body => _buffer.Slice(_bodyStart, _bodyLength);

    /// <summary>The Call-ID's bytes (RFC 3261 §20.8), without allocating.</summary>
    public ReadOnlySpan<byte> CallIdBytes => GetHeaderValueBytes(_callIdIndex);

    /// <summary>The Call-ID (RFC 3261 §20.8).</summary>
    public string CallId => Volatile.Read(ref _callId) ?? Publish(ref _callId, Encoding.UTF8.GetString(CallIdBytes));

    /// <summary>The CSeq sequence number (RFC 3261 §20.16), below 2^31.</summary>
    public uint CSeqNumber => _cseqNumber;

    /// <summary>The CSeq method (RFC 3261 §20.16); the same string instance for the known methods.</summary>
    public string CSeqMethod => _cseqMethod;

    /// <summary>The branch parameter of the topmost Via (RFC 3261 §8.1.1.7), empty when there is none.</summary>
    public ReadOnlySpan<byte> TopViaBranch => GetParameterBytes(_viaIndex, "branch"u8);

    /// <summary>The From tag (RFC 3261 §19.3), empty when there is none.</summary>
    public ReadOnlySpan<byte> FromTag => GetParameterBytes(_fromIndex, "tag"u8);

    /// <summary>The To tag (RFC 3261 §19.3), empty when there is none (a request outside a dialog).</summary>
    public ReadOnlySpan<byte> ToTag => GetParameterBytes(_toIndex, "tag"u8);

    /// <summary>Which header line <paramref name="index"/> is.</summary>
    /// <param name="index">0 to <see cref="HeaderCount"/> - 1, in message order.</param>
    /// <returns>The header's kind, <see cref="SipHeaderKind.Unknown"/> for headers the stack does not know.</returns>
    public SipHeaderKind GetHeaderKind(int index) => Entry(index).Kind;

    /// <summary>The header name as written on the wire (possibly compact, any case).</summary>
    /// <param name="index">0 to <see cref="HeaderCount"/> - 1.</param>
    /// <returns>The name's bytes.</returns>
    public ReadOnlySpan<byte> GetHeaderNameBytes(int index)
    {
        ref readonly HeaderEntry entry = ref Entry(index);
        return _buffer.Span.Slice(entry.NameStart, entry.NameLength);
    }

    /// <summary>The header name: canonical full form for a known header, as written for any other.</summary>
    /// <param name="index">0 to <see cref="HeaderCount"/> - 1.</param>
    /// <returns>The name.</returns>
    public string GetHeaderName(int index)
    {
        ref readonly HeaderEntry entry = ref Entry(index);
        return entry.Kind != SipHeaderKind.Unknown
            ? SipHeaderNames.GetCanonicalName(entry.Kind)
            : Encoding.ASCII.GetString(_buffer.Span.Slice(entry.NameStart, entry.NameLength));
    }

    /// <summary>
    /// The header value's bytes, trimmed and with folded lines joined by a single space (RFC 3261 §7.3.1).
    /// Allocates only for a folded value, once.
    /// </summary>
    /// <param name="index">0 to <see cref="HeaderCount"/> - 1; a negative index gives an empty value.</param>
    /// <returns>The value's bytes.</returns>
    public ReadOnlySpan<byte> GetHeaderValueBytes(int index)
    {
        if (index < 0)
        {
            return default;
        }

        ref readonly HeaderEntry entry = ref Entry(index);
        ReadOnlySpan<byte> raw = _buffer.Span.Slice(entry.ValueStart, entry.ValueLength);
        return entry.Folded ? Unfolded(index, raw) : raw;
    }

    /// <summary>The header value's bytes as memory (see <see cref="GetHeaderValueBytes"/>), to copy without decoding.</summary>
    /// <param name="index">0 to <see cref="HeaderCount"/> - 1.</param>
    /// <returns>The value's memory: a slice of the message buffer, or the unfolded copy.</returns>
    public ReadOnlyMemory<byte> GetHeaderValueMemory(int index)
    {
        ref readonly HeaderEntry entry = ref Entry(index);
        ReadOnlyMemory<byte> raw = _buffer.Slice(entry.ValueStart, entry.ValueLength);
        return entry.Folded ? Unfolded(index, raw.Span) : raw;
    }

    /// <summary>The header value as a string (UTF-8 decoded, unfolded, trimmed).</summary>
    /// <param name="index">0 to <see cref="HeaderCount"/> - 1.</param>
    /// <returns>The value.</returns>
    public string GetHeaderValue(int index) => Encoding.UTF8.GetString(GetHeaderValueBytes(index));

    /// <summary>
    /// The header line exactly as received, name to last value byte, folding included and without the final line
    /// break: what a proxy forwards untouched.
    /// </summary>
    /// <param name="index">0 to <see cref="HeaderCount"/> - 1.</param>
    /// <returns>The raw bytes.</returns>
    public ReadOnlySpan<byte> GetRawHeaderBytes(int index)
    {
        ref readonly HeaderEntry entry = ref Entry(index);
        return _buffer.Span[entry.NameStart..entry.ValueEnd];
    }

    /// <summary>The position of the first header of <paramref name="kind"/> at or after <paramref name="startIndex"/>.</summary>
    /// <param name="kind">The header to look for; not <see cref="SipHeaderKind.Unknown"/>.</param>
    /// <param name="startIndex">Where to start looking.</param>
    /// <returns>Its index, or -1.</returns>
    public int IndexOfHeader(SipHeaderKind kind, int startIndex = 0)
    {
        for (int i = Math.Max(startIndex, 0); i < _count; i++)
        {
            if (Entry(i).Kind == kind)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The position of the first header named <paramref name="name"/> (any case, full or compact form).</summary>
    /// <param name="name">The header name.</param>
    /// <param name="startIndex">Where to start looking.</param>
    /// <returns>Its index, or -1.</returns>
    public int IndexOfHeader(string name, int startIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(name);
        SipHeaderKind kind = SipHeaderNames.Lookup(name);
        if (kind != SipHeaderKind.Unknown)
        {
            return IndexOfHeader(kind, startIndex);
        }

        for (int i = Math.Max(startIndex, 0); i < _count; i++)
        {
            ref readonly HeaderEntry entry = ref Entry(i);
            if (entry.Kind == SipHeaderKind.Unknown && Ascii.EqualsIgnoreCase(_buffer.Span.Slice(entry.NameStart, entry.NameLength), name))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The first value of the header named <paramref name="name"/>, or null when absent.</summary>
    /// <param name="name">The header name, any case, full or compact.</param>
    /// <returns>The value, unfolded and trimmed.</returns>
    public string? GetHeaderValue(string name)
    {
        int index = IndexOfHeader(name);
        return index < 0 ? null : GetHeaderValue(index);
    }

    /// <summary>The first value of a known header, or null when absent.</summary>
    /// <param name="kind">The header.</param>
    /// <returns>The value, unfolded and trimmed.</returns>
    public string? GetHeaderValue(SipHeaderKind kind)
    {
        int index = IndexOfHeader(kind);
        return index < 0 ? null : GetHeaderValue(index);
    }

    /// <summary>
    /// Writes the message in canonical form: the start line, every header with its canonical name (full form,
    /// folding removed) in the original order, a Content-Length that matches the body, and the body.
    /// </summary>
    /// <param name="writer">Where to write.</param>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WriteStartLine(writer);
        bool wroteLength = false;
        for (int i = 0; i < _count; i++)
        {
            ref readonly HeaderEntry entry = ref Entry(i);
            if (entry.Kind == SipHeaderKind.ContentLength)
            {
                if (wroteLength)
                {
                    continue;
                }

                wroteLength = true;
                SipWriter.WriteContentLength(writer, _bodyLength);
                continue;
            }

            ReadOnlySpan<byte> name = entry.Kind != SipHeaderKind.Unknown
                ? SipHeaderNames.GetCanonicalNameBytes(entry.Kind)
                : _buffer.Span.Slice(entry.NameStart, entry.NameLength);
            SipWriter.WriteHeader(writer, name, GetHeaderValueBytes(i));
        }

        if (!wroteLength)
        {
            SipWriter.WriteContentLength(writer, _bodyLength);
        }

        SipWriter.WriteAscii(writer, "\r\n"u8);
        SipWriter.WriteAscii(writer, Body.Span);
    }

    /// <summary>The message in canonical form (see <see cref="WriteTo"/>) as bytes.</summary>
    /// <returns>A new array.</returns>
    public byte[] ToArray()
    {
        var writer = new ArrayBufferWriter<byte>(_buffer.Length + 64);
        WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The bytes as received, decoded as UTF-8: for logs and tests, not for the hot path.</summary>
    /// <returns>The message text.</returns>
    public override string ToString() => Encoding.UTF8.GetString(_buffer.Span);

    /// <summary>Writes the start line, line break included.</summary>
    /// <param name="writer">Where to write.</param>
    private protected abstract void WriteStartLine(IBufferWriter<byte> writer);

    internal ref HeaderEntry Entry(int index)
    {
        if ((uint)index >= (uint)_count)
        {
            ThrowIndex(index);
        }

        return ref index < HeaderEntryBuffer.Capacity ? ref _inline[index] : ref _overflow![index - HeaderEntryBuffer.Capacity];
    }

    internal ReadOnlySpan<byte> Bytes(int start, int length) => _buffer.Span.Slice(start, length);

    /// <summary>Appends a header entry while indexing; false when <paramref name="maxCount"/> is reached.</summary>
    internal bool TryAdd(in HeaderEntry entry, int maxCount)
    {
        int index = _count;
        if (index >= maxCount)
        {
            return false;
        }

        if (index < HeaderEntryBuffer.Capacity)
        {
            _inline[index] = entry;
        }
        else
        {
            int slot = index - HeaderEntryBuffer.Capacity;
            if (_overflow is null || slot == _overflow.Length)
            {
                Array.Resize(ref _overflow, _overflow is null ? HeaderEntryBuffer.Capacity : _overflow.Length * 2);
            }

            _overflow[slot] = entry;
        }

        _count = index + 1;
        return true;
    }

    internal ref HeaderEntry LastEntry => ref Entry(_count - 1);

    internal void SetBody(int start, int length)
    {
        _bodyStart = start;
        _bodyLength = length;
    }

    internal void SetWellKnown(int via, int from, int to, int callId, int cseq, int contentLength)
    {
        _viaIndex = via;
        _fromIndex = from;
        _toIndex = to;
        _callIdIndex = callId;
        _cseqIndex = cseq;
        _contentLengthIndex = contentLength;
    }

    internal void SetCSeq(uint number, string method)
    {
        _cseqNumber = number;
        _cseqMethod = method;
    }

    internal int ViaIndex => _viaIndex;

    internal int FromIndex => _fromIndex;

    internal int ToIndex => _toIndex;

    internal int CSeqIndex => _cseqIndex;

    internal int ContentLengthIndex => _contentLengthIndex;

    private ReadOnlySpan<byte> GetParameterBytes(int index, ReadOnlySpan<byte> name) =>
        index >= 0 && SipBytes.TryFindParameter(GetHeaderValueBytes(index), name, out ReadOnlySpan<byte> value) ? value : default;

    private byte[] Unfolded(int index, ReadOnlySpan<byte> raw)
    {
        byte[]?[] cache = Volatile.Read(ref _unfolded) ?? Publish(ref _unfolded, new byte[_count][]);
        return Volatile.Read(ref cache[index]) ?? Publish(ref cache[index], Unfold(raw));
    }

    /// <summary>
    /// A second message over the same bytes and index, without any decoded value: what a transaction keeps of a
    /// request it handed to the application once it no longer needs the decoded headers, so that it can let them go
    /// without changing the object the application holds. Copies the index (a few hundred bytes), never the bytes.
    /// </summary>
    /// <returns>The copy, of the same type.</returns>
    internal SipMessage CopyIndex()
    {
        var copy = (SipMessage)MemberwiseClone();
        copy._typed = null;
        copy._via = null;
        copy._unfolded = null;
        return copy;
    }

    /// <summary>Joins folded lines: each run of whitespace around a line break becomes one space.</summary>
    internal static byte[] Unfold(ReadOnlySpan<byte> raw)
    {
        byte[] result = new byte[raw.Length];
        int length = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            byte b = raw[i];
            if (b is (byte)'\r' or (byte)'\n')
            {
                while (length > 0 && SipBytes.IsWhitespace(result[length - 1]))
                {
                    length--;
                }

                while (i + 1 < raw.Length && (raw[i + 1] is (byte)'\r' or (byte)'\n' || SipBytes.IsWhitespace(raw[i + 1])))
                {
                    i++;
                }

                result[length++] = (byte)' ';
            }
            else
            {
                result[length++] = b;
            }
        }

        return length == result.Length ? result : result.AsSpan(0, length).ToArray();
    }

    private static void ThrowIndex(int index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, "No header at that position.");
}
