using System.Buffers;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>A SIP response (RFC 3261 §7.2): status code, reason phrase and the indexed header block.</summary>
public sealed partial class SipResponse : SipMessage
{
    private readonly int _reasonStart;
    private readonly int _reasonLength;
    private string? _reasonPhrase;

    internal SipResponse(ReadOnlyMemory<byte> buffer, int statusCode, int reasonStart, int reasonLength)
        : base(buffer)
    {
        StatusCode = statusCode;
        _reasonStart = reasonStart;
        _reasonLength = reasonLength;
    }

    /// <inheritdoc/>
    public override bool IsRequest => false;

    /// <summary>The status code, 100–699 (RFC 3261 §21).</summary>
    public int StatusCode { get; }

    /// <summary>The reason phrase's bytes as received (UTF-8, may be empty).</summary>
    public ReadOnlySpan<byte> ReasonPhraseBytes => Bytes(_reasonStart, _reasonLength);

    /// <summary>The reason phrase (RFC 3261 §7.2), possibly empty.</summary>
    public string ReasonPhrase => _reasonPhrase ??= Encoding.UTF8.GetString(ReasonPhraseBytes);

    /// <summary>True for 1xx (RFC 3261 §7.2).</summary>
    public bool IsProvisional => StatusCode < 200;

    /// <summary>True for 2xx.</summary>
    public bool IsSuccess => StatusCode is >= 200 and < 300;

    private protected override void WriteStartLine(IBufferWriter<byte> writer)
    {
        SipWriter.WriteAscii(writer, "SIP/2.0 "u8);
        SipWriter.WriteNumber(writer, StatusCode);
        SipWriter.WriteAscii(writer, " "u8);
        SipWriter.WriteAscii(writer, ReasonPhraseBytes);
        SipWriter.WriteAscii(writer, "\r\n"u8);
    }
}
