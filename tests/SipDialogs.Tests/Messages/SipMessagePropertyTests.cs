using System.Globalization;
using System.Text;
using CsCheck;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

/// <summary>Generated requests and responses survive building, parsing and canonical serialization unchanged.</summary>
public class SipMessagePropertyTests
{
    private const long Iterations = 3_000;

    private static readonly Gen<string> s_token = Gen.Char["abcXYZ019-.!%*_+`'~"].Array[1, 12].Select(c => new string(c));

    // Header values: any printable UTF-8 text without line breaks, leading or trailing whitespace.
    private static readonly Gen<string> s_value = Gen.Char["aZ09 ;,=<>:@\"\\/?%é€\t"].Array[1, 30]
        .Select(c => new string(c).Trim(' ', '\t'))
        .Where(v => v.Length > 0);

    private static readonly Gen<string> s_method = Gen.OneOf(
        Gen.OneOfConst(SipMethods.Invite, SipMethods.Options, SipMethods.Bye, SipMethods.Refer, SipMethods.Notify, SipMethods.Info),
        s_token.Select(t => t.ToUpperInvariant()));

    private static readonly Gen<(string Name, string Value)> s_extraHeader = Gen.Select(
        Gen.OneOf(Gen.OneOfConst("Subject", "X-Custom", "User-Agent", "Route", "Record-Route", "Allow", "Supported", "Warning"), s_token.Select(t => "X-" + t)),
        s_value,
        (name, value) => (name, value));

    private static readonly Gen<byte[]> s_body = Gen.Byte.Array[0, 300];

    private static readonly Gen<(SipMessageBuilder Builder, string StartLine, (string Name, string Value)[] Headers, byte[] Body)> s_message = Gen.Select(
        Gen.Bool, s_method, Gen.Int[100, 699], Gen.UInt[0, int.MaxValue], s_token, s_extraHeader.Array[0, 12], s_body,
        (isRequest, method, status, cseq, tag, extras, body) =>
        {
            string cseqMethod = isRequest ? method : SipMethods.Invite;
            SipMessageBuilder builder = isRequest
                ? SipMessageBuilder.Request(method, "sip:bob@example.com;transport=tcp")
                : SipMessageBuilder.Response(status, "Some Reason");
            var headers = new List<(string, string)>
            {
                ("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK" + tag),
                ("Max-Forwards", "70"),
                ("To", "<sip:bob@example.com>"),
                ("From", "\"Alice\" <sip:alice@example.com>;tag=" + tag),
                ("Call-ID", tag + "@192.0.2.1"),
                ("CSeq", cseq.ToString(CultureInfo.InvariantCulture) + " " + cseqMethod),
            };
            headers.AddRange(extras);
            foreach ((string name, string value) in headers)
            {
                builder.Add(name, value);
            }

            if (body.Length > 0)
            {
                builder.WithBody("application/octet-stream", body);
                headers.Add(("Content-Type", "application/octet-stream"));
            }

            string startLine = isRequest
                ? method + " sip:bob@example.com;transport=tcp SIP/2.0"
                : "SIP/2.0 " + status.ToString(CultureInfo.InvariantCulture) + " Some Reason";
            return (builder, startLine, headers.ToArray(), body);
        });

    [Fact]
    public void GeneratedMessagesRoundTripThroughBytes()
    {
        s_message.Sample(generated =>
        {
            byte[] bytes = generated.Builder.ToArray();
            Assert.True(SipMessageParser.TryParse(bytes, out SipMessage? message, out SipParseError error), error.ToString());

            string text = Encoding.UTF8.GetString(message!.Buffer.Span);
            Assert.StartsWith(generated.StartLine + "\r\n", text, StringComparison.Ordinal);
            int index = 0;
            foreach ((string name, string value) in generated.Headers)
            {
                Assert.Equal(SipHeaderNames.Lookup(name) is var kind && kind != SipHeaderKind.Unknown ? SipHeaderNames.GetCanonicalName(kind) : name, message.GetHeaderName(index));
                Assert.Equal(value, message.GetHeaderValue(index));
                index++;
            }

            Assert.Equal(generated.Body, message.Body.ToArray());

            // The canonical form is a fixed point.
            byte[] canonical = message.ToArray();
            Assert.True(SipMessageParser.TryParse(canonical, out SipMessage? again, out error), error.ToString());
            Assert.Equal(canonical, again!.ToArray());
        }, iter: Iterations);
    }

    [Fact]
    public void GeneratedMessagesFrameTheSameFromAStreamInAnySplit()
    {
        Gen.Select(s_message, Gen.Int[1, 200]).Sample((generated, split) =>
        {
            byte[] bytes = generated.Builder.ToArray();
            byte[] twice = [.. bytes, .. bytes];
            var buffer = new System.Buffers.ReadOnlySequence<byte>(twice);
            int framed = 0;
            while (SipStreamFramer.TryReadMessage(ref buffer, out System.Buffers.ReadOnlySequence<byte> message, out _, out _) == SipParseStatus.Complete)
            {
                Assert.Equal(bytes, System.Buffers.BuffersExtensions.ToArray(message));
                framed++;
            }

            Assert.Equal(2, framed);
            Assert.True(buffer.IsEmpty);

            // A prefix of any length is incomplete, never rejected.
            var prefix = new System.Buffers.ReadOnlySequence<byte>(bytes, 0, Math.Min(split, bytes.Length - 1));
            Assert.Equal(SipParseStatus.Incomplete, SipStreamFramer.TryReadMessage(ref prefix, out _, out _, out _));
        }, iter: Iterations);
    }

    [Fact]
    public void GeneratedMessagesFrameTheSameWhenTrickledThroughOneFramingState()
    {
        Gen.Select(s_message, Gen.Int[1, 40], Gen.Bool).Sample((generated, chunk, pings) =>
        {
            byte[] bytes = generated.Builder.ToArray();
            byte[] stream = pings ? [.. "\r\n\r\n"u8, .. bytes, .. "\r\n\r\n"u8, .. bytes] : [.. bytes, .. bytes];

            // As a connection reads: bytes arrive a chunk at a time, consumed bytes leave the front.
            var state = default(SipFramingState);
            var frames = new List<byte[]>();
            int start = 0, end = 0;
            while (end < stream.Length)
            {
                end = Math.Min(stream.Length, end + chunk);
                var buffer = new System.Buffers.ReadOnlySequence<byte>(stream, start, end - start);
                SipParseStatus status;
                SipParseError error;
                while ((status = SipStreamFramer.TryReadMessage(ref buffer, ref state, out System.Buffers.ReadOnlySequence<byte> message, out _, out error)) == SipParseStatus.Complete)
                {
                    frames.Add(System.Buffers.BuffersExtensions.ToArray(message));
                }

                Assert.True(status == SipParseStatus.Incomplete, error.ToString());
                start = end - (int)buffer.Length;
            }

            Assert.Equal(2, frames.Count);
            Assert.Equal(bytes, frames[0]);
            Assert.Equal(bytes, frames[1]);
        }, iter: Iterations);
    }
}
