using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class SipGrammarTests
{
    [Theory]
    [InlineData("INVITE", true)]
    [InlineData("-.!%*_+`'~09azAZ", true)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("a;b", false)]
    [InlineData("a\"b", false)]
    [InlineData("é", false)]
    public void RecognizesTokens(string value, bool expected)
    {
        Assert.Equal(expected, SipGrammar.IsToken(value));
    }

    [Theory]
    [InlineData("a84b4c76e66710", true)]
    [InlineData("a84b4c76e66710@pc33.atlanta.com", true)]
    [InlineData("{}[]<>:\\\"?/()@x", true)]
    [InlineData("a@b@c", false)]
    [InlineData("@b", false)]
    [InlineData("a b", false)]
    [InlineData("a;b", false)]
    [InlineData("", false)]
    public void RecognizesCallIds(string value, bool expected)
    {
        Assert.Equal(expected, SipGrammar.IsCallId(value));
    }

    [Theory]
    [InlineData("192.0.2.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("010.001.000.255", true)]
    [InlineData("256.0.0.1", false)]
    [InlineData("1.2.3", false)]
    [InlineData("1.2.3.4.5", false)]
    [InlineData("1.2.3.", false)]
    [InlineData("1..2.3", false)]
    [InlineData("0001.2.3.4", false)]
    [InlineData("", false)]
    public void RecognizesIPv4Addresses(string value, bool expected)
    {
        Assert.Equal(expected, SipGrammar.IsIPv4Address(value));
    }

    [Theory]
    [InlineData("::", true)]
    [InlineData("::1", true)]
    [InlineData("1::", true)]
    [InlineData("2001:db8::9:1", true)]
    [InlineData("2001:0db8:0000:0000:0000:0000:0000:0001", true)]
    [InlineData("::ffff:192.0.2.128", true)]
    [InlineData("1:2:3:4:5:6:192.0.2.1", true)]
    [InlineData("1:2:3:4:5:6:7::", true)]
    [InlineData("1:2:3:4:5:6:7:8:9", false)]
    [InlineData("1:2:3:4:5:6:7", false)]
    [InlineData("1:2:3:4:5:6:7:8::", false)]
    [InlineData("1::2::3", false)]
    [InlineData(":1", false)]
    [InlineData("1:", false)]
    [InlineData("1:::2", false)]
    [InlineData("12345::", false)]
    [InlineData("::g", false)]
    [InlineData("::1.2.3", false)]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4", false)]
    [InlineData("fe80::1%eth0", false)]
    [InlineData("", false)]
    public void RecognizesIPv6Addresses(string value, bool expected)
    {
        Assert.Equal(expected, SipGrammar.IsIPv6Address(value));
    }

    [Theory]
    [InlineData("atlanta.com", true)]
    [InlineData("pc33.atlanta.com.", true)]
    [InlineData("a", true)]
    [InlineData("3com.com", true)]
    [InlineData("a-b.c-d", true)]
    [InlineData("192.0.2.1", true)]
    [InlineData("[2001:db8::1]", true)]
    [InlineData("example.123", false)]
    [InlineData("-a.com", false)]
    [InlineData("a-.com", false)]
    [InlineData("a..com", false)]
    [InlineData("a_b.com", false)]
    [InlineData(".", false)]
    [InlineData("[2001:db8::1", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("", false)]
    public void RecognizesHosts(string value, bool expected)
    {
        Assert.Equal(expected, SipGrammar.IsHost(value));
    }

    [Theory]
    [InlineData("\"\"", "")]
    [InlineData("\"plain\"", "plain")]
    [InlineData("\"a \\\"b\\\" \\\\ c\"", "a \"b\" \\ c")]
    [InlineData("\"tab\there\"", "tab\there")]
    [InlineData("\"ünïcödé\"", "ünïcödé")]
    public void ReadsAndUnquotesQuotedStrings(string quoted, string expected)
    {
        Assert.True(SipGrammar.TryReadQuotedString(quoted, 0, out int end, out _));

        Assert.Equal(quoted.Length, end);
        Assert.Equal(expected, SipGrammar.Unquote(quoted));
    }

    [Theory]
    [InlineData("\"open", SipRejectReason.UnterminatedQuotedString)]
    [InlineData("\"open\\", SipRejectReason.UnterminatedQuotedString)]
    [InlineData("\"a\u0000b\"", SipRejectReason.InvalidCharacter)]
    [InlineData("\"a\nb\"", SipRejectReason.InvalidCharacter)]
    [InlineData("\"a\\\nb\"", SipRejectReason.InvalidCharacter)]
    [InlineData("plain", SipRejectReason.MalformedHeader)]
    public void RefusesMalformedQuotedStrings(string value, SipRejectReason expected)
    {
        Assert.False(SipGrammar.TryReadQuotedString(value, 0, out _, out SipRejectReason reason));

        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("a \"b\" \\ c")]
    [InlineData("")]
    [InlineData("ctl\u0001")]
    public void QuoteAndUnquoteAreInverses(string value)
    {
        string quoted = SipGrammar.Quote(value);

        Assert.True(SipGrammar.IsQuotedString(quoted));
        Assert.Equal(value, SipGrammar.Unquote(quoted));
    }

    [Fact]
    public void UnquoteIfQuotedLeavesTokensAlone()
    {
        Assert.Equal("token", SipGrammar.UnquoteIfQuoted("token"));
        Assert.Equal("a b", SipGrammar.UnquoteIfQuoted("\"a b\""));
        Assert.Null(SipGrammar.UnquoteIfQuoted(null));
    }

    [Theory]
    [InlineData("0", 0ul)]
    [InlineData("255", 255ul)]
    [InlineData("00000000000000000000000000255", 255ul)]
    public void ParsesDigitsWithinTheirBound(string value, ulong expected)
    {
        Assert.True(SipGrammar.TryParseDigits(value, 255, SipRejectReason.MalformedHeader, out ulong parsed, out _));

        Assert.Equal(expected, parsed);
    }

    [Theory]
    [InlineData("256", SipRejectReason.ValueOutOfRange)]
    [InlineData("18446744073709551616", SipRejectReason.ValueOutOfRange)]
    [InlineData("", SipRejectReason.MalformedParameter)]
    [InlineData("1a", SipRejectReason.MalformedParameter)]
    [InlineData("99999999999999999999999x", SipRejectReason.MalformedParameter)]
    public void RefusesDigitsOutOfBoundOrMalformed(string value, SipRejectReason expected)
    {
        Assert.False(SipGrammar.TryParseDigits(value, 255, SipRejectReason.MalformedParameter, out _, out SipRejectReason reason));

        Assert.Equal(expected, reason);
    }

    [Fact]
    public void ParsesDigitsUpToTheLargestUnsignedLong()
    {
        Assert.True(SipGrammar.TryParseDigits("18446744073709551615", ulong.MaxValue, SipRejectReason.MalformedHeader, out ulong parsed, out _));

        Assert.Equal(ulong.MaxValue, parsed);
    }

    [Theory]
    [InlineData("abc", true)]
    [InlineData("mF_9.B5f-4.1JqM", true)]
    [InlineData("abc==", true)]
    [InlineData("a/b+c~d", true)]
    [InlineData("=", false)]
    [InlineData("a=b", false)]
    [InlineData("a b", false)]
    [InlineData("", false)]
    public void RecognizesToken68(string value, bool expected)
    {
        Assert.Equal(expected, SipGrammar.IsToken68(value));
    }

    [Theory]
    [InlineData("::ffff:0.0.0.0", true)]
    [InlineData("::ffff:10.0.100.255", true)]
    [InlineData("::ffff:01.2.3.4", false)]
    [InlineData("::001.2.3.4", false)]
    [InlineData("1:2:3:4:5:6:1.2.3.00", false)]
    public void RefusesLeadingZerosInTheIPv4PartOfAnIPv6Address(string value, bool expected)
    {
        // RFC 5954 §4.1: the IPv4 tail of an IPv6 address is four dec-octets, unlike a bare IPv4address.
        Assert.Equal(expected, SipGrammar.IsIPv6Address(value));
    }

    [Fact]
    public void QuotedStringMayHoldALineFold()
    {
        const string quoted = "\"a\r\n b\"";

        Assert.True(SipGrammar.TryReadQuotedString(quoted, 0, out int end, out _));
        Assert.Equal(quoted.Length, end);
        Assert.Equal("a b", SipGrammar.Unquote(quoted));
    }

    [Theory]
    [InlineData("\"a\r\nb\"")]
    [InlineData("\"a\rb\"")]
    [InlineData("\"a\r\n\"")]
    [InlineData("\"\\\u00e9\"")]
    public void RefusesLineBreaksOutsideAFoldAndQuotedPairsBeyondAscii(string value)
    {
        Assert.False(SipGrammar.TryReadQuotedString(value, 0, out _, out SipRejectReason reason));

        Assert.Equal(SipRejectReason.InvalidCharacter, reason);
    }

    [Theory]
    [InlineData(" \t x", 3)]
    [InlineData(" \r\n x", 4)]
    [InlineData("\r\n\t\r\n x", 6)]
    [InlineData(" \r\nx", 1)]
    [InlineData("\nx", 0)]
    [InlineData("\rx", 0)]
    [InlineData("x", 0)]
    public void SkipsLinearWhiteSpaceButNotABareLineBreak(string text, int expected)
    {
        Assert.Equal(expected, SipGrammar.SkipLws(text, 0));
    }

    [Theory]
    [InlineData(" \r\n a b \r\n ", "a b")]
    [InlineData("a\r\n", "a\r\n")]
    [InlineData("\t", "")]
    public void TrimsLinearWhiteSpace(string text, string expected)
    {
        Assert.Equal(expected, SipGrammar.TrimLws(text).ToString());
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("255", 255)]
    [InlineData("016", 16)]
    public void ParsesTtlOfOneToThreeDigits(string value, int expected)
    {
        Assert.True(SipGrammar.TryParseTtl(value, out int ttl, out _));

        Assert.Equal(expected, ttl);
    }

    [Theory]
    [InlineData("256", SipRejectReason.ValueOutOfRange)]
    [InlineData("0016", SipRejectReason.MalformedParameter)]
    [InlineData("", SipRejectReason.MalformedParameter)]
    [InlineData("1a", SipRejectReason.MalformedParameter)]
    public void RefusesTtlOutOfRangeOrMalformed(string value, SipRejectReason expected)
    {
        Assert.False(SipGrammar.TryParseTtl(value, out _, out SipRejectReason reason));

        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("Alice", true)]
    [InlineData("Alice Smith", true)]
    [InlineData("Alice  Smith", false)]
    [InlineData(" Alice", false)]
    [InlineData("Alice ", false)]
    [InlineData("A. O'Neil", true)]
    [InlineData("Alice, Smith", false)]
    [InlineData("", false)]
    public void RecognizesSingleSpacedTokenSequences(string value, bool expected)
    {
        Assert.Equal(expected, SipGrammar.IsTokenSequence(value));
    }
}
