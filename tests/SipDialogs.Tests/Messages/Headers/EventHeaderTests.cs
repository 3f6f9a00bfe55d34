using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class EventHeaderTests
{
    private static EventHeader Parse(string value)
    {
        Assert.True(EventHeader.TryParse(value, out EventHeader? header, out SipRejectReason reason), $"{value}: {reason}");
        return header;
    }

    [Fact]
    public void ParsesTheReferEventWithAnId()
    {
        // RFC 3515 §2.4.6: the id is the CSeq number of the REFER.
        EventHeader header = Parse("refer;id=93809824");

        Assert.Equal("refer", header.Package);
        Assert.Same(EventHeader.ReferPackage, header.Package);
        Assert.Equal("93809824", header.Id);
        Assert.Equal("refer;id=93809824", header.ToString());
    }

    [Fact]
    public void ParsesAPackageWithoutParameters()
    {
        EventHeader header = Parse("refer");

        Assert.Null(header.Id);
        Assert.Equal(0, header.Parameters.Count);
    }

    [Fact]
    public void ParsesATemplatePackageAndOtherParameters()
    {
        // RFC 6665 §8.4: event-type = event-package *( "." event-template )
        EventHeader header = Parse("presence.winfo ; id = 1234 ; foo=bar");

        Assert.Equal("presence.winfo", header.Package);
        Assert.Equal("1234", header.Id);
        Assert.Equal("bar", header.Parameters["foo"]);
        Assert.Equal("presence.winfo;id=1234;foo=bar", header.ToString());
    }

    [Fact]
    public void MatchesByPackageAndIdOnly()
    {
        // RFC 6665 §8.2.1: "foo; id=1234" matches "foo; param=abcd; id=1234" but not "Foo; id=1234".
        EventHeader header = Parse("foo; id=1234");

        Assert.True(header.Matches(Parse("foo; param=abcd; id=1234")));
        Assert.False(header.Matches(Parse("Foo; id=1234")));
        Assert.False(header.Matches(Parse("foo")));
        Assert.False(header.Matches(Parse("foo;id=12345")));
        Assert.True(Parse("foo").Matches(Parse("foo;x=y")));
    }

    [Fact]
    public void BuildsTheEventOfAReferNotify()
    {
        var header = new EventHeader(EventHeader.ReferPackage, "2");

        Assert.Equal("refer;id=2", header.ToString());
    }

    [Fact]
    public void ConstructorRefusesAnIdThatIsNotAToken()
    {
        // The id is the CSeq number alone, never "2 REFER".
        Assert.Throws<ArgumentException>(() => new EventHeader("refer", "2 REFER"));
        Assert.Throws<ArgumentException>(() => new EventHeader("re fer"));
    }

    [Theory]
    [InlineData("", SipRejectReason.MalformedHeader)]
    [InlineData("refer id=2", SipRejectReason.MalformedHeader)]
    [InlineData("presence..winfo", SipRejectReason.MalformedHeader)]
    [InlineData(".winfo", SipRejectReason.MalformedHeader)]
    [InlineData("presence.", SipRejectReason.MalformedHeader)]
    [InlineData("pres(ence)", SipRejectReason.MalformedHeader)]
    [InlineData("refer;id", SipRejectReason.MalformedParameter)]
    [InlineData("refer;id=\"2\"", SipRejectReason.MalformedParameter)]
    [InlineData("refer;id=[::1]", SipRejectReason.MalformedParameter)]
    [InlineData("refer;", SipRejectReason.MalformedParameter)]
    [InlineData("refer;x=\"open", SipRejectReason.UnterminatedQuotedString)]
    public void RefusesMalformedValuesWithTheirReason(string value, SipRejectReason expected)
    {
        Assert.False(EventHeader.TryParse(value, out EventHeader? header, out SipRejectReason reason));

        Assert.Null(header);
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("refer;id=93809824")]
    [InlineData("presence.winfo ; id = 1234 ; foo=\"a;b\"")]
    [InlineData("dialog")]
    public void RoundTripsThroughToString(string value)
    {
        EventHeader first = Parse(value);
        EventHeader second = Parse(first.ToString());

        Assert.Equal(first.ToString(), second.ToString());
        Assert.True(first.Matches(second));
    }
}
