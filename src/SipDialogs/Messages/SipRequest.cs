using System.Buffers;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>A SIP request (RFC 3261 §7.1): method, Request-URI and the indexed header block.</summary>
public sealed partial class SipRequest : SipMessage
{
    private readonly int _uriStart;
    private readonly int _uriLength;
    private string? _requestUriText;

    internal SipRequest(ReadOnlyMemory<byte> buffer, string method, int uriStart, int uriLength)
        : base(buffer)
    {
        Method = method;
        _uriStart = uriStart;
        _uriLength = uriLength;
    }

    /// <inheritdoc/>
    public override bool IsRequest => true;

    /// <summary>The method (case-sensitive, RFC 3261 §7.1); the same string instance for the known methods.</summary>
    public string Method { get; }

    /// <summary>The Request-URI's bytes as received.</summary>
    public ReadOnlySpan<byte> RequestUriBytes => Bytes(_uriStart, _uriLength);

    /// <summary>The Request-URI as received.</summary>
    public string RequestUriText => _requestUriText ??= Encoding.UTF8.GetString(RequestUriBytes);

    private protected override void WriteStartLine(IBufferWriter<byte> writer)
    {
        SipWriter.WriteString(writer, Method);
        SipWriter.WriteAscii(writer, " "u8);
        SipWriter.WriteAscii(writer, RequestUriBytes);
        SipWriter.WriteAscii(writer, " SIP/2.0\r\n"u8);
    }
}
