using SipDialogs.Tests.Infrastructure;
using System.Buffers;
using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

/// <summary>
/// Every message of the RFC 3665 (basic call flows) and RFC 3515 (REFER) examples parses, validates, and
/// serializes back to an equivalent message: the same start line, the same headers (canonical names) with the same
/// values in the same order, and the same body.
/// </summary>
/// <remarks>
/// <para>
/// Each call flow file is a list of YAML literal block scalars (<c>- |+</c>), each message indented by two spaces
/// with LF line breaks. The "keep" chomping means every line break belongs to the message, trailing blank lines
/// included; the last message of a file ends right after its last header, with no blank line, so one is added to
/// close its header block. LF becomes CRLF, as on the wire.
/// </para>
/// <para>
/// Content-Length: the RFC examples count their SDP and sipfrag bodies with CRLF line breaks, so after the
/// conversion the values match the bodies; where a block keeps a trailing blank line after the body, those extra
/// octets are beyond Content-Length and the message is parsed as a datagram, which discards them (RFC 3261 §18.3).
/// The few examples with no Content-Length take the rest of the datagram as their body. Serialization always writes
/// a Content-Length equal to the body's length, so that header is compared by value against the body, not against
/// the original text.
/// </para>
/// </remarks>
public class CallFlowRoundTripTests
{
    private static readonly Lazy<Dictionary<string, byte[]>> s_messages = new(LoadAll);

    // RFC 3515 §4 writes placeholders where a real message carries a URI or a number: "Refer-To: (whatever URI)",
    // "Subscription-State: active;expires=(depends on Refer-To URI)". They parse and round-trip like any header,
    // but full validation must refuse them, and names them.
    private static readonly Dictionary<string, (SipRejectReason Reason, SipHeaderKind Header)> s_placeholders = new(StringComparer.Ordinal)
    {
        ["rfc3515_4.1 #1"] = (SipRejectReason.InvalidCharacter, SipHeaderKind.ReferTo),
        ["rfc3515_4.1 #3"] = (SipRejectReason.MalformedParameter, SipHeaderKind.SubscriptionState),
        ["rfc3515_4.2 #1"] = (SipRejectReason.InvalidCharacter, SipHeaderKind.ReferTo),
        ["rfc3515_4.2 #3"] = (SipRejectReason.MalformedParameter, SipHeaderKind.SubscriptionState),
    };

    public static TheoryData<string> Messages
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string id in s_messages.Value.Keys.Order(StringComparer.Ordinal))
            {
                data.Add(id);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void CallFlowMessageParsesAsWritten(string id)
    {
        byte[] bytes = s_messages.Value[id];
        SipMessage message = Parse(bytes, id);
        if (s_placeholders.TryGetValue(id, out (SipRejectReason Reason, SipHeaderKind Header) placeholder))
        {
            Assert.False(message.TryValidate(out SipParseError fault));
            Assert.Equal(placeholder, (fault.Reason, fault.Header));
        }
        else
        {
            Assert.True(message.TryValidate(out SipParseError error), $"{id}: {error}");
        }

        // Checked against the text itself, not only against a second parse: start line, each header as written
        // (continuation lines joined by one space), in order.
        string text = Encoding.UTF8.GetString(bytes);
        string[] lines = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n");
        Assert.Equal(lines[0], StartLine(message));

        var headers = new List<(string Name, string Value)>();
        foreach (string line in lines.AsSpan(1))
        {
            if (line[0] is ' ' or '\t')
            {
                (string name, string value) = headers[^1];
                headers[^1] = (name, value + " " + line.Trim());
                continue;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        Assert.Equal(headers.Count, message.HeaderCount);
        for (int i = 0; i < headers.Count; i++)
        {
            Assert.Equal(headers[i].Name, Encoding.ASCII.GetString(message.GetHeaderNameBytes(i)));
            Assert.Equal(headers[i].Value, message.GetHeaderValue(i));
        }
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void CallFlowMessageSerializesToAnEquivalentMessage(string id)
    {
        SipMessage original = Parse(s_messages.Value[id], id);
        byte[] serialized = original.ToArray();

        // The serialized form is framed exactly by its Content-Length, so a stream reader takes it whole.
        var stream = new ReadOnlySequence<byte>(serialized);
        Assert.Equal(SipParseStatus.Complete, SipStreamFramer.TryReadMessage(ref stream, out ReadOnlySequence<byte> framed, out _, out SipParseError error));
        Assert.True(stream.IsEmpty);
        Assert.True(SipMessageParser.TryParse(framed, out SipMessage? reparsed, out error), $"{id} serialized: {error}");

        Assert.Equal(StartLine(original), StartLine(reparsed!));
        Assert.Equal(Headers(original), Headers(reparsed!));
        Assert.True(original.Body.Span.SequenceEqual(reparsed!.Body.Span));
        Assert.Equal(reparsed.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), reparsed.GetHeaderValue(SipHeaderKind.ContentLength));

        // Canonical form is a fixed point.
        Assert.Equal(serialized, reparsed.ToArray());
    }

    private static SipMessage Parse(byte[] bytes, string id)
    {
        Assert.True(SipMessageParser.TryParse(bytes, out SipMessage? message, out SipParseError error), $"{id}: {error}");
        return message!;
    }

    private static string StartLine(SipMessage message)
    {
        ReadOnlySpan<byte> buffer = message.Buffer.Span;
        return Encoding.UTF8.GetString(buffer[..buffer.IndexOf("\r\n"u8)]);
    }

    /// <summary>Canonical name and value of every header but Content-Length, in order.</summary>
    private static List<(string Name, string Value)> Headers(SipMessage message)
    {
        var headers = new List<(string, string)>(message.HeaderCount);
        for (int i = 0; i < message.HeaderCount; i++)
        {
            if (message.GetHeaderKind(i) != SipHeaderKind.ContentLength)
            {
                headers.Add((message.GetHeaderName(i), message.GetHeaderValue(i)));
            }
        }

        return headers;
    }

    /// <summary>Every message of every call flow, keyed "file-prefix #n", e.g. "rfc3665_3.01 #1".</summary>
    private static Dictionary<string, byte[]> LoadAll()
    {
        var messages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string path in Directory.GetFiles(TestData.PathOf("callflows"), "*.yaml"))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            string prefix = name[..name.IndexOf('_', name.IndexOf('_', StringComparison.Ordinal) + 1)];
            IReadOnlyList<byte[]> blocks = CallFlows.FileBytes(path);
            Assert.NotEmpty(blocks);
            for (int i = 0; i < blocks.Count; i++)
            {
                messages.Add($"{prefix} #{i + 1}", blocks[i]);
            }
        }

        return messages;
    }
}
