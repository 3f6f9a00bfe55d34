using SipDialogs.Auth;

namespace SipDialogs.Tests.Auth;

public sealed class DigestSecretFileTests
{
    [Fact]
    public async Task EachFormOfSecretGivesTheHa1OfItsAlgorithm()
    {
        string md5 = RequestDigest.ComputeHa1(DigestAlgorithm.Md5, "alice", "r", "pw");
        string sha = RequestDigest.ComputeHa1(DigestAlgorithm.Sha256, "alice", "r", "pw");
        string text = $"# user realm secret\n\nalice r {md5.ToUpperInvariant()}\nalice\tr SHA-256:{sha}\nbob r plain:two words\n";
        Assert.True(DigestSecretFile.TryParse(text, out DigestSecretFile? file, out string? error), error);
        Assert.Equal(md5, await file.FindHa1Async("alice", "r", DigestAlgorithm.Md5, default));
        Assert.Equal(md5, await file.FindHa1Async("alice", "r", DigestAlgorithm.Md5Sess, default));
        Assert.Equal(sha, await file.FindHa1Async("alice", "r", DigestAlgorithm.Sha256, default));
        Assert.Null(await file.FindHa1Async("alice", "r", DigestAlgorithm.Sha512Slash256, default));
        Assert.Equal(
            RequestDigest.ComputeHa1(DigestAlgorithm.Sha512Slash256, "bob", "r", "two words"),
            await file.FindHa1Async("bob", "r", DigestAlgorithm.Sha512Slash256, default));
        Assert.Null(await file.FindHa1Async("bob", "other", DigestAlgorithm.Md5, default));
    }

    [Theory]
    [InlineData("alice r", "line 2: expected: user realm secret")]
    [InlineData("alice r 0123456789abcdef", "line 2: the MD5 HA1 must be 32 hex digits")]
    [InlineData("alice r SHA-256:0123456789abcdef0123456789abcdef", "line 2: the SHA-256 HA1 must be 64 hex digits")]
    [InlineData("alice r SHA3:0123456789abcdef0123456789abcdef", "line 2: unknown algorithm (MD5, SHA-256 or SHA-512-256)")]
    public void ABadLineIsNamedWithoutItsSecret(string line, string expected)
    {
        Assert.False(DigestSecretFile.TryParse("# header\n" + line + "\n", out _, out string? error));
        Assert.Equal(expected, error);
        Assert.DoesNotContain("0123456789abcdef", error, StringComparison.Ordinal);
    }
}
