using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class ContentTypeHeaderTests
{
    private static ContentTypeHeader Parse(string value)
    {
        Assert.True(ContentTypeHeader.TryParse(value, out ContentTypeHeader? contentType, out SipRejectReason reason), $"{value}: {reason}");
        return contentType;
    }

    [Fact]
    public void ParsesApplicationSdp()
    {
        // RFC 3261 §20.15
        ContentTypeHeader contentType = Parse("application/sdp");

        Assert.Equal("application", contentType.Type);
        Assert.Equal("sdp", contentType.Subtype);
        Assert.Equal("application/sdp", contentType.MediaType);
        Assert.Equal(0, contentType.Parameters.Count);
    }

    [Fact]
    public void ParsesTheCompactFormExampleWithACharset()
    {
        // RFC 3261 §20.15: c: text/html; charset=ISO-8859-4
        ContentTypeHeader contentType = Parse("text/html; charset=ISO-8859-4");

        Assert.Equal("text/html", contentType.MediaType);
        Assert.Equal("ISO-8859-4", contentType.Parameters["charset"]);
        Assert.Equal("text/html;charset=ISO-8859-4", contentType.ToString());
    }

    [Fact]
    public void ParsesTheSipfragMediaTypeOfAReferNotify()
    {
        // RFC 3515 §2.4.5
        ContentTypeHeader contentType = Parse("message/sipfrag;version=2.0");

        Assert.True(contentType.IsMediaType("message", "sipfrag"));
        Assert.Equal("2.0", contentType.Parameters["version"]);
    }

    [Fact]
    public void ComparesTheMediaTypeIgnoringCaseButKeepsItsSpelling()
    {
        ContentTypeHeader contentType = Parse("Application/SDP");

        Assert.True(contentType.IsMediaType("application", "sdp"));
        Assert.False(contentType.IsMediaType("application", "sipfrag"));
        Assert.Equal("Application/SDP", contentType.MediaType);
    }

    [Fact]
    public void AcceptsWhiteSpaceAroundTheSlashAndAQuotedParameter()
    {
        ContentTypeHeader contentType = Parse("multipart / mixed ; boundary = \"unique-boundary 1\"");

        Assert.Equal("multipart/mixed", contentType.MediaType);
        Assert.Equal("\"unique-boundary 1\"", contentType.Parameters["boundary"]);
        Assert.Equal("multipart/mixed;boundary=\"unique-boundary 1\"", contentType.ToString());
    }

    [Theory]
    [InlineData("", SipRejectReason.MalformedHeader)]
    [InlineData("application", SipRejectReason.MalformedHeader)]
    [InlineData("application/", SipRejectReason.MalformedHeader)]
    [InlineData("/sdp", SipRejectReason.MalformedHeader)]
    [InlineData("application/sdp garbage", SipRejectReason.MalformedHeader)]
    [InlineData("application sdp", SipRejectReason.MalformedHeader)]
    [InlineData("application/sdp/x", SipRejectReason.MalformedHeader)]
    [InlineData("application/sdp,text/plain", SipRejectReason.MalformedHeader)]
    [InlineData("application/sdp;charset=\"utf8", SipRejectReason.UnterminatedQuotedString)]
    [InlineData("application/sdp;charset", SipRejectReason.MalformedParameter)]
    [InlineData("application/sdp;charset=", SipRejectReason.MalformedParameter)]
    [InlineData("application/sdp;=utf8", SipRejectReason.MalformedParameter)]
    [InlineData("application/sdp;", SipRejectReason.MalformedParameter)]
    [InlineData("application/sdp;x=[::1]", SipRejectReason.MalformedParameter)]
    public void RefusesMalformedValuesWithTheirReason(string value, SipRejectReason expected)
    {
        Assert.False(ContentTypeHeader.TryParse(value, out ContentTypeHeader? contentType, out SipRejectReason reason));

        Assert.Null(contentType);
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("application/sdp")]
    [InlineData("text/html; charset=ISO-8859-4")]
    [InlineData("multipart/mixed;boundary=\"a \\\"b\\\" c\";x=y")]
    public void RoundTripsThroughToString(string value)
    {
        ContentTypeHeader first = Parse(value);
        ContentTypeHeader second = Parse(first.ToString());

        Assert.Equal(first.ToString(), second.ToString());
    }

    [Fact]
    public void BuildsAContentType()
    {
        var parameters = new SipParameters();
        parameters.Set("version", "2.0");

        var contentType = new ContentTypeHeader("message", "sipfrag", parameters);

        Assert.Equal("message/sipfrag;version=2.0", contentType.ToString());
    }

    [Fact]
    public void ConstructorRefusesAParameterWithoutAValue()
    {
        var parameters = new SipParameters();
        parameters.Set("flag", null);

        Assert.Throws<ArgumentException>(() => new ContentTypeHeader("application", "sdp", parameters));
        Assert.Throws<ArgumentException>(() => new ContentTypeHeader("application/sdp", "x"));
    }
}
