using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class RetryAfterHeaderTests
{
    private static RetryAfterHeader Parse(string value)
    {
        Assert.True(RetryAfterHeader.TryParse(value, out RetryAfterHeader? header, out SipRejectReason reason), $"{value}: {reason}");
        return header;
    }

    [Fact]
    public void ParsesTheDurationExampleOfRfc3261()
    {
        // RFC 3261 §20.33: Retry-After: 18000;duration=3600
        RetryAfterHeader header = Parse("18000;duration=3600");

        Assert.Equal(18000u, header.Seconds);
        Assert.Equal(3600u, header.Duration);
        Assert.Null(header.Comment);
        Assert.Equal("18000;duration=3600", header.ToString());
    }

    [Fact]
    public void ParsesTheCommentExampleOfRfc3261()
    {
        // RFC 3261 §20.33: Retry-After: 120 (I'm in a meeting)
        RetryAfterHeader header = Parse("120 (I'm in a meeting)");

        Assert.Equal(120u, header.Seconds);
        Assert.Equal("I'm in a meeting", header.Comment);
        Assert.Null(header.Duration);
        Assert.Equal("120 (I'm in a meeting)", header.ToString());
    }

    [Fact]
    public void ParsesANestedCommentWithQuotedPairsAndParameters()
    {
        RetryAfterHeader header = Parse("60(back (soon) \\) really);duration=30 ;foo");

        Assert.Equal("back (soon) \\) really", header.Comment);
        Assert.Equal(30u, header.Duration);
        Assert.True(header.Parameters.Contains("foo"));
    }

    [Fact]
    public void BuildsARetryAfter()
    {
        Assert.Equal("120 (I'm in a meeting);duration=60", new RetryAfterHeader(120, "I'm in a meeting", 60).ToString());
        Assert.Equal("5", new RetryAfterHeader(5).ToString());
    }

    [Fact]
    public void ConstructorRefusesAnUnbalancedComment()
    {
        Assert.Throws<ArgumentException>(() => new RetryAfterHeader(1, "a) (b"));
        Assert.Throws<ArgumentException>(() => new RetryAfterHeader(1, "(a"));
        Assert.Throws<ArgumentException>(() => new RetryAfterHeader(1, "a\\"));
    }

    [Theory]
    [InlineData("", SipRejectReason.MalformedHeader)]
    [InlineData("soon", SipRejectReason.MalformedHeader)]
    [InlineData("120 (open", SipRejectReason.MalformedHeader)]
    [InlineData("120 (a (b)", SipRejectReason.MalformedHeader)]
    [InlineData("120 (a) (b)", SipRejectReason.MalformedHeader)]
    [InlineData("120 later", SipRejectReason.MalformedHeader)]
    [InlineData("120abc", SipRejectReason.MalformedHeader)]
    [InlineData("4294967296", SipRejectReason.ValueOutOfRange)]
    [InlineData("120;duration=4294967296", SipRejectReason.ValueOutOfRange)]
    [InlineData("120;duration=an-hour", SipRejectReason.MalformedParameter)]
    [InlineData("120;duration", SipRejectReason.MalformedParameter)]
    [InlineData("120;", SipRejectReason.MalformedParameter)]
    public void RefusesMalformedValuesWithTheirReason(string value, SipRejectReason expected)
    {
        Assert.False(RetryAfterHeader.TryParse(value, out RetryAfterHeader? header, out SipRejectReason reason));

        Assert.Null(header);
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("18000;duration=3600")]
    [InlineData("120 (I'm in a meeting)")]
    [InlineData("60(back (soon) \\) really);duration=30 ;foo")]
    public void RoundTripsThroughToString(string value)
    {
        RetryAfterHeader first = Parse(value);
        RetryAfterHeader second = Parse(first.ToString());

        Assert.Equal(first.ToString(), second.ToString());
        Assert.Equal(first.Comment, second.Comment);
        Assert.Equal(first.Duration, second.Duration);
    }
}
