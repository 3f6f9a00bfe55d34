using CsCheck;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class SipHeaderSplitterTests
{
    private static string[] Split(string value)
    {
        var ranges = new List<Range>();
        Assert.True(SipHeaderSplitter.TrySplit(value, ranges, out SipRejectReason reason), $"{value}: {reason}");
        var elements = new string[ranges.Count];
        for (int i = 0; i < ranges.Count; i++)
        {
            elements[i] = value[ranges[i]];
        }

        return elements;
    }

    [Fact]
    public void SplitsTheRfc3261ContactExample()
    {
        // RFC 3261 §20.10: the display names hold no comma, but the second element follows one.
        string[] elements = Split(
            "\"Mr. Watson\" <sip:watson@worcester.bell-telephone.com> ;q=0.7; expires=3600, " +
            "\"Mr. Watson\" <mailto:watson@bell-telephone.com> ;q=0.1");

        Assert.Equal(
            [
                "\"Mr. Watson\" <sip:watson@worcester.bell-telephone.com> ;q=0.7; expires=3600",
                "\"Mr. Watson\" <mailto:watson@bell-telephone.com> ;q=0.1",
            ],
            elements);
    }

    [Fact]
    public void SplitsAViaListAndTrimsWhiteSpace()
    {
        string[] elements = Split(" SIP/2.0/UDP a.example.com;branch=z9hG4bK1 ,\tSIP/2.0/TCP b.example.com ");

        Assert.Equal(["SIP/2.0/UDP a.example.com;branch=z9hG4bK1", "SIP/2.0/TCP b.example.com"], elements);
    }

    [Fact]
    public void DoesNotSplitInsideAQuotedString()
    {
        string[] elements = Split("\"Watson, Thomas\" <sip:watson@example.com>, <sip:bell@example.com>");

        Assert.Equal(["\"Watson, Thomas\" <sip:watson@example.com>", "<sip:bell@example.com>"], elements);
    }

    [Fact]
    public void AnEscapedQuoteDoesNotEndTheQuotedString()
    {
        string[] elements = Split("\"a \\\", b\" <sip:a@example.com>, \"c\\\\\" <sip:c@example.com>");

        Assert.Equal(["\"a \\\", b\" <sip:a@example.com>", "\"c\\\\\" <sip:c@example.com>"], elements);
    }

    [Fact]
    public void DoesNotSplitInsideAngleBrackets()
    {
        // RFC 3261 §20.10: a URI holding a comma must be in angle brackets.
        string[] elements = Split("<sip:a@example.com;x=1?Subject=a,b>, <sip:b@example.com>");

        Assert.Equal(["<sip:a@example.com;x=1?Subject=a,b>", "<sip:b@example.com>"], elements);
    }

    [Fact]
    public void AQuoteInsideAngleBracketsIsNotAQuotedString()
    {
        string[] elements = Split("<sip:a\"@example.com>, <sip:b@example.com>");

        Assert.Equal(["<sip:a\"@example.com>", "<sip:b@example.com>"], elements);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(",")]
    [InlineData(" , \t, ")]
    public void AValueOfOnlyCommasAndWhiteSpaceHasNoElements(string value)
    {
        Assert.Empty(Split(value));
    }

    [Fact]
    public void SkipsEmptyElements()
    {
        Assert.Equal(["timer", "100rel"], Split(",timer,, ,100rel,"));
    }

    [Fact]
    public void AppendsToWhatTheListAlreadyHolds()
    {
        var ranges = new List<Range> { 0..1 };

        Assert.True(SipHeaderSplitter.TrySplit("a, b", ranges, out _));

        Assert.Equal([0..1, 0..1, 3..4], ranges);
    }

    [Theory]
    [InlineData("\"open <sip:a@example.com>", SipRejectReason.UnterminatedQuotedString)]
    [InlineData("<sip:a@example.com>, \"open", SipRejectReason.UnterminatedQuotedString)]
    [InlineData("\"ends in a backslash\\", SipRejectReason.UnterminatedQuotedString)]
    [InlineData("\"escaped close\\\"", SipRejectReason.UnterminatedQuotedString)]
    [InlineData("<sip:a@example.com", SipRejectReason.MalformedHeader)]
    [InlineData("<sip:a@example.com>, <sip:b@example.com", SipRejectReason.MalformedHeader)]
    public void RefusesUnbalancedQuotesAndBrackets(string value, SipRejectReason expected)
    {
        var ranges = new List<Range> { 0..0 };

        Assert.False(SipHeaderSplitter.TrySplit(value, ranges, out SipRejectReason reason));

        Assert.Equal(expected, reason);
        Assert.Equal([0..0], ranges);
    }

    [Fact]
    public void KeepsEveryNonWhiteSpaceCharacterOfAValueWithoutSpecials()
    {
        Gen.String[Gen.Char["abc ,;=\t"], 0, 40].Sample(value =>
        {
            var ranges = new List<Range>();
            Assert.True(SipHeaderSplitter.TrySplit(value, ranges, out _));

            int kept = 0;
            foreach (Range range in ranges)
            {
                string element = value[range];
                Assert.NotEmpty(element);
                Assert.DoesNotContain(',', element);
                Assert.Equal(element.Trim(' ', '\t'), element);
                kept += element.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\t", string.Empty, StringComparison.Ordinal).Length;
            }

            int expected = value.Replace(" ", string.Empty, StringComparison.Ordinal)
                .Replace("\t", string.Empty, StringComparison.Ordinal)
                .Replace(",", string.Empty, StringComparison.Ordinal).Length;
            Assert.Equal(expected, kept);
        });
    }

    [Fact]
    public void NeverThrowsOnArbitraryText()
    {
        Gen.String[Gen.Char["a\"\\<>, ;"], 0, 40].Sample(value =>
        {
            var ranges = new List<Range>();
            if (SipHeaderSplitter.TrySplit(value, ranges, out _))
            {
                foreach (Range range in ranges)
                {
                    Assert.NotEmpty(value[range]);
                }
            }
        });
    }
}
