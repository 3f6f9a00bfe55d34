using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class SubscriptionStateHeaderTests
{
    private static SubscriptionStateHeader Parse(string value)
    {
        Assert.True(SubscriptionStateHeader.TryParse(value, out SubscriptionStateHeader? header, out SipRejectReason reason), $"{value}: {reason}");
        return header;
    }

    [Fact]
    public void ParsesAnActiveStateWithExpires()
    {
        // RFC 6665 §4.1.3
        SubscriptionStateHeader header = Parse("active;expires=60");

        Assert.Equal("active", header.State);
        Assert.True(header.IsActive);
        Assert.False(header.IsTerminated);
        Assert.Equal(60u, header.Expires);
        Assert.Null(header.Reason);
        Assert.Null(header.RetryAfter);
    }

    [Fact]
    public void ParsesATerminatedStateWithReasonAndRetryAfter()
    {
        SubscriptionStateHeader header = Parse("terminated; reason=probation ;retry-after=3600");

        Assert.True(header.IsTerminated);
        Assert.Equal("probation", header.Reason);
        Assert.Equal(3600u, header.RetryAfter);
        Assert.Equal("terminated;reason=probation;retry-after=3600", header.ToString());
    }

    [Fact]
    public void ParsesThePendingStateIgnoringCase()
    {
        SubscriptionStateHeader header = Parse("PENDING");

        Assert.True(header.IsPending);
        Assert.Equal("PENDING", header.State);
    }

    [Fact]
    public void KeepsAnExtensionStateAndParameter()
    {
        SubscriptionStateHeader header = Parse("waiting;foo=bar");

        Assert.False(header.IsActive || header.IsPending || header.IsTerminated);
        Assert.Equal("waiting", header.State);
        Assert.Equal("bar", header.Parameters["foo"]);
    }

    [Fact]
    public void BuildsTheFinalStateOfAReferSubscription()
    {
        // RFC 3515 §2.4.7: the final NOTIFY terminates the subscription.
        var header = new SubscriptionStateHeader(SubscriptionStateHeader.Terminated, "noresource");

        Assert.Equal("terminated;reason=noresource", header.ToString());
        Assert.Equal("active;expires=60", new SubscriptionStateHeader("active", expires: 60).ToString());
    }

    [Theory]
    [InlineData("", SipRejectReason.MalformedHeader)]
    [InlineData(";expires=60", SipRejectReason.MalformedHeader)]
    [InlineData("active expires=60", SipRejectReason.MalformedHeader)]
    [InlineData("active;expires=4294967296", SipRejectReason.ValueOutOfRange)]
    [InlineData("terminated;retry-after=10000000000000000000000", SipRejectReason.ValueOutOfRange)]
    [InlineData("active;expires=soon", SipRejectReason.MalformedParameter)]
    [InlineData("active;expires", SipRejectReason.MalformedParameter)]
    [InlineData("terminated;reason=\"timeout\"", SipRejectReason.MalformedParameter)]
    [InlineData("terminated;reason", SipRejectReason.MalformedParameter)]
    [InlineData("terminated;retry-after=-1", SipRejectReason.MalformedParameter)]
    public void RefusesMalformedValuesWithTheirReason(string value, SipRejectReason expected)
    {
        Assert.False(SubscriptionStateHeader.TryParse(value, out SubscriptionStateHeader? header, out SipRejectReason reason));

        Assert.Null(header);
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("active;expires=60")]
    [InlineData("terminated; reason=giveup ;retry-after=30")]
    [InlineData("pending;x=\"y\"")]
    public void RoundTripsThroughToString(string value)
    {
        SubscriptionStateHeader first = Parse(value);
        SubscriptionStateHeader second = Parse(first.ToString());

        Assert.Equal(first.ToString(), second.ToString());
        Assert.Equal(first.Expires, second.Expires);
    }
}
