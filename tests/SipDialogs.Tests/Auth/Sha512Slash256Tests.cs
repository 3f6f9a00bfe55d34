using System.Text;
using SipDialogs.Auth;

namespace SipDialogs.Tests.Auth;

public sealed class Sha512Slash256Tests
{
    [Theory]
    // FIPS 180-4 example values (NIST CSRC "SHA512_256.pdf"): one block, the empty message, two blocks.
    [InlineData("abc", "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23")]
    [InlineData("", "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a")]
    [InlineData(
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
        "3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563a")]
    public void Sha512Slash256GivesTheFipsExampleDigests(string message, string expected)
    {
        Span<byte> digest = stackalloc byte[32];
        Sha512Slash256.HashData(Encoding.ASCII.GetBytes(message), digest);
        Assert.Equal(expected, Convert.ToHexStringLower(digest));
    }

    [Theory]
    // Lengths around the padding boundaries (112 and 128 bytes); values from OpenSSL's SHA512-256.
    [InlineData(55, "f6513468f05e7cec7d52fc337ef79dfa7c82520268d3aeba4002ead9a5642916")]
    [InlineData(111, "0239e429f98d0ed61ee8e2a7c30afe98c1c3a80ce5dff62a107e9c538f7632ce")]
    [InlineData(112, "9216b5303edb66504570bee90e48ea5beaa5e9fe9f760bbd3e0460559fc005f6")]
    [InlineData(113, "d0ac79bea5bc97ac80c77c7cbbe92811ba9997eb0ce3c9888f9cef8362d187cd")]
    [InlineData(127, "2fe3b2a6ee7e12f6fe4ba82166541ad9b4ed882c493581cbe300d68f3757b778")]
    [InlineData(128, "b88f97e274f9c1d49f181c8cbd01a9c74930ad055a46ac4499a1d601f1c80bf2")]
    [InlineData(129, "fb9035c9009ed4a60e37510339ebdb1c771339f30aa581d5dea3690a524c23f1")]
    [InlineData(1000, "40eb4a70d4d69815407a9e272f0101cd67e3d11262a4a0bfc087712749c7fb53")]
    public void Sha512Slash256PadsEveryLengthAroundTheBlockBoundary(int length, string expected)
    {
        Assert.Equal(expected, DigestAlgorithms.HashHex(DigestAlgorithm.Sha512Slash256, new string('a', length)));
    }
}
