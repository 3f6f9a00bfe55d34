using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class AuthParameterTests
{
    [Fact]
    public void EqualParametersHaveEqualNamesValuesAndQuoting()
    {
        var realm = new AuthParameter("realm", "atlanta.com", IsQuoted: true);

        Assert.Equal(new AuthParameter("realm", "atlanta.com", true), realm);
        Assert.NotEqual(new AuthParameter("realm", "atlanta.com", false), realm);
    }

    [Fact]
    public void ParsedParametersKeepWhetherTheyWereQuoted()
    {
        Assert.True(AuthHeader.TryParse("Digest realm=\"atlanta.com\", algorithm=MD5", out AuthHeader? header, out _));

        Assert.Equal(new AuthParameter("realm", "atlanta.com", true), header.Parameters[0]);
        Assert.Equal(new AuthParameter("algorithm", "MD5", false), header.Parameters[1]);
    }
}
