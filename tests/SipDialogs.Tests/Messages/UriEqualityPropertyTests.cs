using System.Net;
using CsCheck;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class UriEqualityPropertyTests
{
    private const long Iterations = 2_000;

    // Characters that stress escaping: user-unreserved, reserved, space, '%', non-ASCII.
    private static readonly Gen<char> _anyUriChar = Gen.Char["aZ09-_.!~*'()&=+$,;?/:@[]%# <>\"\u00e9\u20ac"];

    private static readonly Gen<string> _text = _anyUriChar.Array[1, 8].Select(chars => new string(chars));

    private static readonly Gen<string> _ipv4 =
        Gen.Select(Gen.Byte, Gen.Byte, Gen.Byte, Gen.Byte, (a, b, c, d) => $"{a}.{b}.{c}.{d}");

    private static readonly Gen<string> _ipv6 =
        Gen.Byte.Array[16, 16].Select(bytes => "[" + new IPAddress(bytes).ToString() + "]");

    private static readonly Gen<string> _hostname = Gen.OneOfConst(
        "example.com", "Atlanta.COM", "a-b.example", "x", "host.example.", "1.example.net", "b0b.biloxi.com");

    private static readonly Gen<string> _host = Gen.OneOf(_hostname, _ipv4, _ipv6);

    private static readonly Gen<(string Name, string? Value)> _parameter = Gen.OneOf(
        Gen.OneOfConst("udp", "tcp", "TLS", "sctp").Select(v => ("transport", (string?)v)),
        Gen.OneOfConst("phone", "ip").Select(v => ("user", (string?)v)),
        Gen.OneOfConst("INVITE", "bye", "REGISTER").Select(v => ("method", (string?)v)),
        Gen.Int[0, 255].Select(v => ("ttl", (string?)v.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        Gen.OneOf(_hostname, _ipv4, _ipv6).Select(v => ("maddr", (string?)v)),
        Gen.Const(("lr", (string?)null)),
        Gen.Select(Gen.OneOfConst("foo", "Bar", "x-a b", "n%me"), Gen.Null(_text, 0.3), (n, v) => (n, v)));

    private static readonly Gen<(string Name, string Value)> _header =
        Gen.Select(Gen.OneOfConst("subject", "Priority", "to", "x y"), _anyUriChar.Array[0, 6], (n, v) => (n, new string(v)));

    private static readonly Gen<SipUri> _sipUri = Gen.Select(
        Gen.Null(_text, 0.3),
        Gen.Null(_text, 0.7),
        _host,
        Gen.Nullable(Gen.Int[0, 65535], 0.5),
        Gen.Bool,
        _parameter.Array[0, 5],
        _header.Array[0, 3],
        (user, password, host, port, secure, parameters, headers) =>
        {
            var uri = new SipUri(user, host, port, secure) { Password = user is null ? null : password };
            foreach ((string name, string? value) in parameters)
            {
                uri.Parameters.Set(name, value);
            }

            foreach ((string name, string value) in headers)
            {
                uri.Headers.Set(name, value);
            }

            return uri;
        });

    // A narrow space, so that generated pairs are often equal and often differ in one component.
    private static readonly Gen<SipUri> _nearbySipUri = Gen.Select(
        Gen.OneOfConst<string?>(null, "alice", "Alice", "%61lice"),
        Gen.OneOfConst("atlanta.com", "ATLANTA.com", "192.0.2.4", "[2001:db8::10]", "[2001:DB8:0::10]"),
        Gen.OneOfConst<string?>(null, ":5060"),
        Gen.OneOfConst("", ";transport=tcp", ";transport=TCP", ";lr", ";foo=1", ";foo=2", ";ttl=1", ";maddr=a.example"),
        Gen.OneOfConst("", ";lr", ";Foo=1", ";transport=udp"),
        Gen.OneOfConst("", "?subject=a", "?Subject=a", "?subject=A", "?subject=a&priority=urgent", "?priority=urgent&subject=a"),
        Gen.Bool,
        (user, host, port, p1, p2, headers, secure) =>
        {
            string text = (secure ? "sips:" : "sip:") + (user is null ? string.Empty : user + "@") + host + port + p1 + p2 + headers;
            Assert.True(AddrSpec.TryParse(text, out AddrSpec? uri, out SipRejectReason reason), $"{text}: {reason}");
            return (SipUri)uri;
        });

    private static readonly Gen<TelUri> _telUri = Gen.Select(
        Gen.Char["0123456789-.()"].Array[0, 10],
        Gen.Int[0, 9],
        Gen.OneOfConst("", ";ext=1-2", ";isub=a%3Fb", ";x-flag", ";Foo=Bar"),
        (digits, last, parameters) =>
        {
            string text = "tel:+" + new string(digits) + last.ToString(System.Globalization.CultureInfo.InvariantCulture) + parameters;
            Assert.True(AddrSpec.TryParse(text, out AddrSpec? uri, out SipRejectReason reason), $"{text}: {reason}");
            return (TelUri)uri;
        });

    [Fact]
    public void GeneratedSipUrisRoundTripThroughTextToAnEqualUri()
    {
        _sipUri.Sample(
            uri =>
            {
                string text = uri.ToString();
                Assert.True(AddrSpec.TryParse(text, out AddrSpec? parsed, out SipRejectReason reason), $"{text}: {reason}");
                Assert.True(uri.Equals(parsed), text);
                Assert.True(parsed.Equals(uri), text);
                Assert.Equal(uri.GetHashCode(), parsed.GetHashCode());
                Assert.Equal(text, parsed.ToString());
            },
            iter: Iterations,
            print: uri => uri.ToString());
    }

    [Fact]
    public void GeneratedSipUrisEqualThemselves()
    {
        _sipUri.Sample(
            uri =>
            {
                Assert.True(uri.Equals(uri));
                Assert.True(uri.UriEquals(uri));
                Assert.Equal(uri.GetHashCode(), uri.GetHashCode());
            },
            iter: Iterations,
            print: uri => uri.ToString());
    }

    [Fact]
    public void SipUriEqualityIsSymmetricAndEqualUrisHashAlike()
    {
        Gen.Select(_nearbySipUri, _nearbySipUri).Sample(
            (a, b) =>
            {
                bool ab = a.Equals(b);
                Assert.Equal(ab, b.Equals(a));
                if (ab)
                {
                    Assert.Equal(a.GetHashCode(), b.GetHashCode());
                }
            },
            iter: Iterations * 5,
            print: pair => pair.Item1 + " | " + pair.Item2);
    }

    [Fact]
    public void NearbyGeneratorProducesBothEqualAndUnequalPairs()
    {
        // Guards the symmetry property against testing only one outcome.
        int equal = 0;
        int unequal = 0;
        Gen.Select(_nearbySipUri, _nearbySipUri).Sample(
            (a, b) =>
            {
                if (a.Equals(b))
                {
                    Interlocked.Increment(ref equal);
                }
                else
                {
                    Interlocked.Increment(ref unequal);
                }
            },
            iter: Iterations * 5);

        Assert.True(equal > 0);
        Assert.True(unequal > 0);
    }

    [Fact]
    public void SipUriEqualityIgnoresParameterAndHeaderOrder()
    {
        Gen.Select(_sipUri, Gen.Int[0, 100]).Sample(
            (uri, seed) =>
            {
                var shuffled = new SipUri(uri.User, uri.Host, uri.Port, uri.IsSecure) { Password = uri.Password };
                Copy(uri.Parameters, shuffled.Parameters, seed);
                Copy(uri.Headers, shuffled.Headers, seed);

                Assert.True(uri.Equals(shuffled));
                Assert.True(shuffled.Equals(uri));
                Assert.Equal(uri.GetHashCode(), shuffled.GetHashCode());
            },
            iter: Iterations,
            print: pair => pair.Item1.ToString());
    }

    [Fact]
    public void GeneratedTelUrisRoundTripAndCompareSymmetrically()
    {
        Gen.Select(_telUri, _telUri).Sample(
            (a, b) =>
            {
                Assert.True(AddrSpec.TryParse(a.ToString(), out AddrSpec? parsed, out _));
                Assert.True(a.Equals(parsed));
                Assert.Equal(a.GetHashCode(), parsed.GetHashCode());

                bool ab = a.Equals(b);
                Assert.Equal(ab, b.Equals(a));
                if (ab)
                {
                    Assert.Equal(a.GetHashCode(), b.GetHashCode());
                }
            },
            iter: Iterations,
            print: pair => pair.Item1 + " | " + pair.Item2);
    }

    // Fragments that steer random text towards the interesting corners of the grammars.
    private static readonly Gen<string> _junk = Gen.OneOfConst(
        "sip:", "sips:", "tel:", "x-s:", "+1", "@", ";", "?", "=", "&", "<", ">", "\"", "\\", " ", "%", "%41", "%4",
        "a", "B", "1", "255", "65536", ":", "[", "]", "::1", ".", ",", "-", "lr", "tag", "transport", "ttl", "maddr",
        "user", "\r\n", "\t", "\u00e9", "\0", "phone-context", "ext", "example.com", "#", "*")
        .Array[0, 14].Select(parts => string.Concat(parts));

    [Fact]
    public void ParsersNeverThrowAndWhatTheyAcceptRoundTrips()
    {
        _junk.Sample(
            text =>
            {
                if (AddrSpec.TryParse(text, out AddrSpec? uri, out _))
                {
                    string canonical = uri.ToString();
                    Assert.True(AddrSpec.TryParse(canonical, out AddrSpec? again, out SipRejectReason reason), $"{canonical}: {reason}");
                    Assert.True(uri.Equals(again), canonical);
                    Assert.Equal(uri.GetHashCode(), again.GetHashCode());
                }

                if (NameAddress.TryParse(text, out NameAddress? address, out _))
                {
                    string canonical = address.ToString();
                    Assert.True(NameAddress.TryParse(canonical, out NameAddress? again, out SipRejectReason reason), $"{canonical}: {reason}");
                    Assert.Equal(address.DisplayName, again.DisplayName);
                    Assert.True(address.Uri.Equals(again.Uri), canonical);
                    Assert.Equal(canonical, again.ToString());
                }

                if (SipParameters.TryParse(text, ';', out SipParameters? parameters, out _) && parameters.Count > 0)
                {
                    string canonical = parameters.ToString();
                    Assert.True(SipParameters.TryParse(canonical.AsSpan(1), ';', out SipParameters? again, out _), canonical);
                    Assert.Equal(canonical, again.ToString());
                }

                _ = SipParameters.TryParse(text, '&', out _, out _);
            },
            iter: Iterations * 50,
            print: text => text);
    }

    // Copies in a rotated order so that the copy differs in order only.
    private static void Copy(SipParameters from, SipParameters to, int seed)
    {
        int count = from.Count;
        for (int i = 0; i < count; i++)
        {
            SipParameter p = from[(i + seed) % count];
            to.Set(p.Name, p.Value);
        }
    }
}
