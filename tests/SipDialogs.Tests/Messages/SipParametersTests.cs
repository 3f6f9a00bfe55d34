using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class SipParametersTests
{
    private static SipParameters Parse(string text, char separator = ';')
    {
        Assert.True(SipParameters.TryParse(text, separator, out SipParameters? result, out SipRejectReason reason), $"{text}: {reason}");
        return result;
    }

    [Fact]
    public void ParsesNamesValuesAndFlagsInOrder()
    {
        SipParameters parameters = Parse("tag=a6c85cf;lr;expires=3600");

        Assert.Equal(3, parameters.Count);
        Assert.Equal(new SipParameter("tag", "a6c85cf"), parameters[0]);
        Assert.Equal(new SipParameter("lr", null), parameters[1]);
        Assert.Equal(new SipParameter("expires", "3600"), parameters[2]);
    }

    [Fact]
    public void LooksUpNamesIgnoringCase()
    {
        SipParameters parameters = Parse("Tag=x;LR");

        Assert.True(parameters.Contains("tag"));
        Assert.True(parameters.Contains("lr"));
        Assert.Equal("x", parameters["TAG"]);
        Assert.True(parameters.TryGetValue("lR", out string? flag));
        Assert.Null(flag);
        Assert.False(parameters.TryGetValue("branch", out string? missing));
        Assert.Null(missing);
        Assert.Null(parameters["branch"]);
    }

    [Fact]
    public void KeepsValuesAsWrittenIncludingCase()
    {
        SipParameters parameters = Parse("received=[2001:db8::9];maddr=Example.COM");

        Assert.Equal("[2001:db8::9]", parameters["received"]);
        Assert.Equal("Example.COM", parameters["maddr"]);
    }

    [Fact]
    public void KeepsQuotedValuesWithQuotesAndEscapes()
    {
        SipParameters parameters = Parse("description=\"a \\\"b\\\" ;c\";x=1");

        Assert.Equal("\"a \\\"b\\\" ;c\"", parameters["description"]);
        Assert.Equal("1", parameters["x"]);
    }

    [Fact]
    public void AllowsLinearWhiteSpaceAroundSeparatorsAndEquals()
    {
        SipParameters parameters = Parse("  tag = 1 ;\r\n lr ; q\t=\t0.5 ");

        Assert.Equal("1", parameters["tag"]);
        Assert.True(parameters.Contains("lr"));
        Assert.Equal("0.5", parameters["q"]);
        Assert.Equal(";tag=1;lr;q=0.5", parameters.ToString());
    }

    [Fact]
    public void EmptyTextGivesEmptyList()
    {
        Assert.Equal(0, Parse(string.Empty).Count);
        Assert.Equal(0, Parse(" ").Count);
        Assert.Equal(0, Parse(string.Empty, '&').Count);
    }

    [Fact]
    public void DuplicatesAreKeptAndLookupsAnswerTheFirst()
    {
        SipParameters parameters = Parse("a=1;A=2");

        Assert.Equal(2, parameters.Count);
        Assert.Equal("1", parameters["a"]);
    }

    [Fact]
    public void ParsesUriHeadersWithAmpersandUnescaped()
    {
        SipParameters headers = Parse("subject=project%20x&priority=urgent&body=", '&');

        Assert.Equal(3, headers.Count);
        Assert.Equal("project x", headers["Subject"]);
        Assert.Equal(string.Empty, headers["body"]);
        var sb = new StringBuilder();
        headers.AppendTo(sb, '&');
        Assert.Equal("&subject=project%20x&priority=urgent&body=", sb.ToString());
    }

    [Fact]
    public void SetReplacesTheFirstAndDropsLaterDuplicates()
    {
        SipParameters parameters = Parse("a=1;b=2;A=3");

        parameters.Set("a", "9");

        Assert.Equal(2, parameters.Count);
        Assert.Equal(new SipParameter("a", "9"), parameters[0]);
        Assert.Equal(";a=9;b=2", parameters.ToString());
    }

    [Fact]
    public void SetAppendsWhenAbsent()
    {
        var parameters = new SipParameters();

        parameters.Set("tag", "abc");
        parameters.Set("lr", null);
        parameters.Set("text", "\"hello world\"");

        Assert.Equal(";tag=abc;lr;text=\"hello world\"", parameters.ToString());
    }

    [Fact]
    public void RemoveDeletesEveryOccurrence()
    {
        SipParameters parameters = Parse("a=1;b;A=3");

        Assert.True(parameters.Remove("a"));
        Assert.False(parameters.Remove("a"));
        Assert.Equal(1, parameters.Count);
        Assert.Equal("b", parameters[0].Name);
    }

    [Fact]
    public void ClearEmptiesTheList()
    {
        SipParameters parameters = Parse("a=1;b");

        parameters.Clear();

        Assert.Equal(0, parameters.Count);
        Assert.Equal(string.Empty, parameters.ToString());
    }

    [Fact]
    public void IndexerOutsideTheListThrows()
    {
        var parameters = new SipParameters();

        Assert.Throws<ArgumentOutOfRangeException>(() => parameters[0]);
    }

    [Theory]
    [InlineData("bad name", "x")]
    [InlineData("", "x")]
    [InlineData("a", "two words")]
    [InlineData("a", "")]
    [InlineData("a", "\"unterminated")]
    [InlineData("a", "\"x\"y")]
    [InlineData("a", "semi;colon")]
    public void SetRefusesWhatAHeaderCannotCarry(string name, string value) =>
        Assert.Throws<ArgumentException>(() => new SipParameters().Set(name, value));

    [Fact]
    public void UriParametersEscapeOnOutput()
    {
        var uri = new SipUri(null, "example.com");

        uri.Parameters.Set("a b", "c;d");
        uri.Headers.Set("h", null);

        Assert.Equal("sip:example.com;a%20b=c%3Bd?h=", uri.ToString());
    }

    [Theory]
    [InlineData(";a", SipRejectReason.MalformedParameter, ';')]
    [InlineData("a;", SipRejectReason.MalformedParameter, ';')]
    [InlineData("a; ;b", SipRejectReason.MalformedParameter, ';')]
    [InlineData("a=", SipRejectReason.MalformedParameter, ';')]
    [InlineData("=b", SipRejectReason.MalformedParameter, ';')]
    [InlineData("a=b c", SipRejectReason.MalformedParameter, ';')]
    [InlineData("a=<b>", SipRejectReason.MalformedParameter, ';')]
    [InlineData("a b", SipRejectReason.MalformedParameter, ';')]
    [InlineData("a=\"b", SipRejectReason.UnterminatedQuotedString, ';')]
    [InlineData("a=\"b\\\"", SipRejectReason.UnterminatedQuotedString, ';')]
    [InlineData("a=\"b\u0001\"", SipRejectReason.InvalidCharacter, ';')]
    [InlineData("a=b\u0001", SipRejectReason.InvalidCharacter, ';')]
    [InlineData("a", SipRejectReason.MalformedParameter, '&')]
    [InlineData("a=b&", SipRejectReason.MalformedParameter, '&')]
    [InlineData("a=%4", SipRejectReason.InvalidEscape, '&')]
    [InlineData("a=b c", SipRejectReason.InvalidCharacter, '&')]
    [InlineData("a=b@c", SipRejectReason.MalformedParameter, '&')]
    [InlineData("a=b", SipRejectReason.MalformedParameter, ',')]
    public void RejectsMalformedListsWithTheirReason(string text, SipRejectReason expected, char separator)
    {
        Assert.False(SipParameters.TryParse(text, separator, out SipParameters? result, out SipRejectReason reason));
        Assert.Null(result);
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void EveryPrefixParsesWithoutThrowing()
    {
        const string text = " tag = 1 ;lr;description=\"a \\\"b\\\";c\" ; q=0.5";
        for (int length = 0; length <= text.Length; length++)
        {
            bool parsed = SipParameters.TryParse(text.AsSpan(0, length), ';', out SipParameters? result, out _);
            Assert.Equal(parsed, result is not null);
        }
    }

    [Fact]
    public void CanonicalFormParsesBackToTheSameParameters()
    {
        SipParameters parameters = Parse("tag = 1 ; lr ; description=\"a \\\"b\\\";c\" ; received=192.0.2.1");
        SipParameters again = Parse(parameters.ToString()[1..]);

        Assert.Equal(parameters.Count, again.Count);
        for (int i = 0; i < parameters.Count; i++)
        {
            Assert.Equal(parameters[i], again[i]);
        }
    }
}
