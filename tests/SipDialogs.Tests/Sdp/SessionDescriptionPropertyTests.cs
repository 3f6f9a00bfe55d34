using System.Globalization;
using System.Text;
using CsCheck;
using SipDialogs.Sdp;

namespace SipDialogs.Tests.Sdp;

/// <summary>Generated well-formed descriptions are written back exactly as parsed; any bytes are parsed without throwing.</summary>
public class SessionDescriptionPropertyTests
{
    private const long Iterations = 3_000;

    private static readonly Gen<string> s_token = Gen.Char["abcXYZ019-.!%*_+~"].Array[1, 10].Select(c => new string(c));

    // Free text: printable UTF-8 with spaces and tabs, possibly empty (s=, i=, attribute values).
    private static readonly Gen<string> s_text = Gen.Char["aZ09 :;,=/<>@\"\\é€\t-"].Array[0, 30].Select(c => new string(c));

    private static readonly Gen<string> s_digits = Gen.ULong.Select(n => n.ToString(CultureInfo.InvariantCulture));

    private static readonly Gen<string> s_address = Gen.OneOf(
        Gen.Int[1, 254].Select(n => "IP4 192.0.2." + n.ToString(CultureInfo.InvariantCulture)),
        Gen.Int[1, 65535].Select(n => "IP6 2001:db8::" + n.ToString("x", CultureInfo.InvariantCulture)),
        s_token.Select(t => "IP4 " + t + ".example.com"));

    private static readonly Gen<string> s_attribute = Gen.OneOf(
        Gen.OneOfConst("a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive", "a=ptime:20", "a=rtcp-mux"),
        Gen.Select(Gen.Int[0, 127], s_token, Gen.Int[1, 96000], (pt, name, rate) => FormattableString.Invariant($"a=rtpmap:{pt} {name}/{rate}")),
        Gen.Select(Gen.Int[0, 127], s_text.Where(t => t.Length > 0), (pt, p) => FormattableString.Invariant($"a=fmtp:{pt} {p}")),
        Gen.Select(s_token, s_text, (name, value) => "a=" + name + ":" + value),
        s_token.Select(name => "a=" + name));

    private static readonly Gen<string> s_mediaLine = Gen.Select(
        Gen.OneOfConst("audio", "video", "application", "image", "text"),
        Gen.Int[0, 65535],
        Gen.Int[0, 3],
        Gen.OneOfConst("RTP/AVP", "RTP/SAVP", "UDP/TLS/RTP/SAVPF", "udptl", "TCP/BFCP"),
        s_token.Array[1, 6],
        (media, port, count, proto, formats) => FormattableString.Invariant(
            $"m={media} {port}{(count > 1 ? "/" + count.ToString(CultureInfo.InvariantCulture) : "")} {proto} {string.Join(' ', formats)}"));

    private static readonly Gen<string[]> s_mediaSection = Gen.Select(
        s_mediaLine,
        Gen.OneOf(
            s_text.Select(t => "i=" + t),
            s_address.Select(a => "c=IN " + a),
            Gen.Select(s_token, Gen.ULong, (t, v) => FormattableString.Invariant($"b={t}:{v}")),
            s_attribute).Array[0, 8],
        (m, lines) => (string[])[m, .. lines]);

    private static readonly Gen<string> s_description = Gen.Select(
        Gen.Select(s_token, s_digits, Gen.ULong, s_address, (user, id, version, address) => FormattableString.Invariant($"o={user} {id} {version} IN {address}")),
        s_text.Select(t => "s=" + t),
        Gen.OneOf(
            s_text.Select(t => "i=" + t),
            s_address.Select(a => "c=IN " + a),
            Gen.Select(Gen.ULong, Gen.ULong, (start, stop) => FormattableString.Invariant($"t={start} {stop}")),
            s_attribute).Array[0, 6],
        s_mediaSection.Array[0, 4],
        (origin, name, session, media) =>
        {
            var lines = new List<string> { "v=0", origin, name };
            bool connection = false;
            foreach (string line in session)
            {
                // One c= at session level (RFC 8866 §5.7).
                if (!line.StartsWith("c=", StringComparison.Ordinal) || !connection)
                {
                    connection |= line.StartsWith("c=", StringComparison.Ordinal);
                    lines.Add(line);
                }
            }

            foreach (string[] section in media)
            {
                lines.AddRange(section);
            }

            return string.Join("\r\n", lines) + "\r\n";
        });

    [Fact]
    public void GeneratedDescriptionsAreWrittenBackExactlyAsParsed()
    {
        s_description.Sample(text =>
        {
            Assert.True(SessionDescription.TryParse(Encoding.UTF8.GetBytes(text), out SessionDescription? sdp, out string reason), reason + "\n" + text);
            Assert.Equal(text, sdp.ToString());
            Assert.Equal(Encoding.UTF8.GetBytes(text), sdp.ToArray());
        }, iter: Iterations);
    }

    [Fact]
    public void GeneratedDescriptionsWithBareLineFeedsAreWrittenWithCrlf()
    {
        s_description.Sample(text =>
        {
            Assert.True(SessionDescription.TryParse(text.Replace("\r\n", "\n", StringComparison.Ordinal), out SessionDescription? sdp, out string reason), reason);
            Assert.Equal(text, sdp.ToString());
        }, iter: Iterations);
    }

    [Fact]
    public void AnyBytesAndAnyMutationOfAValidDescriptionAreParsedWithoutThrowing()
    {
        Gen.Byte.Array[0, 400].Sample(bytes =>
        {
            bool parsed = SessionDescription.TryParse(bytes, out SessionDescription? sdp, out SdpParseError error);
            Assert.True(parsed ? sdp is not null : Enum.IsDefined(error.Reason));
        }, iter: Iterations);

        Gen.Select(s_description, Gen.Int[0, 10_000], Gen.Byte).Sample((text, at, value) =>
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            bytes[at % bytes.Length] = value;
            if (SessionDescription.TryParse(bytes, out SessionDescription? sdp, out SdpParseError _))
            {
                // Whatever is accepted writes back to something that parses to the same text.
                Assert.Equal(sdp.ToString(), SessionDescription.Parse(sdp.ToString()).ToString());
            }
        }, iter: Iterations);
    }

    [Fact]
    public void AnswersToGeneratedOffersHaveOneStreamPerOfferedStreamOfTheSameKind()
    {
        var capabilities = new MediaCapabilities(
            new SdpConnection("192.0.2.1"),
            [new MediaCapability("audio", [40000, 40002], [MediaFormat.Pcma, MediaFormat.Pcmu, MediaFormat.TelephoneEvent])]);
        s_description.Sample(text =>
        {
            SessionDescription offer = SessionDescription.Parse(text);
            SessionDescription answer = new OfferAnswerSession(capabilities).CreateAnswer(offer);

            Assert.Equal(offer.Media.Count, answer.Media.Count);
            for (int i = 0; i < offer.Media.Count; i++)
            {
                Assert.Equal(offer.Media[i].Media, answer.Media[i].Media);
                Assert.Equal(offer.Media[i].Proto, answer.Media[i].Proto);
                foreach (string format in answer.Media[i].Formats)
                {
                    Assert.Contains(format, offer.Media[i].Formats);
                }
            }

            Assert.Equal(answer.ToString(), SessionDescription.Parse(answer.ToString()).ToString());
        }, iter: Iterations);
    }
}
