using System.IO.Compression;
using System.Xml.Linq;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests;

/// <summary>
/// <c>dotnet pack</c> of the library makes a NuGet package a user can take: README, licence expression, XML docs,
/// symbols and the repository metadata Source Link fills in.
/// </summary>
public class PackageTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public async Task ThePackageCarriesItsReadmeXmlDocsSymbolsAndLicenceExpression()
    {
        string project = Repository.PathOf(Path.Combine("src", "SipDialogs", "SipDialogs.csproj"));
        string output = Directory.CreateTempSubdirectory("sipdialogs-pack-").FullName;
        try
        {
            // --no-build packs what the suite's build made, so the test costs seconds, not a second build.
            await using (var pack = ExternalProcess.Start(
                "dotnet", ["pack", project, "-c", Configuration, "--no-build", "-nologo", "-o", output]))
            {
                Assert.True(await pack.Exited.WaitAsync(s_timeout) == 0, pack.Output);
            }

            string package = Assert.Single(Directory.GetFiles(output, "SipDialogs.*.nupkg"));
            Assert.Single(Directory.GetFiles(output, "SipDialogs.*.snupkg"));

            using ZipArchive archive = ZipFile.OpenRead(package);
            Assert.NotNull(archive.GetEntry("lib/net10.0/SipDialogs.dll"));
            Assert.NotNull(archive.GetEntry("lib/net10.0/SipDialogs.xml"));

            ZipArchiveEntry readme = archive.GetEntry("README.md") ?? throw new Xunit.Sdk.XunitException("README.md is not in the package.");
            using (var reader = new StreamReader(readme.Open()))
            {
                Assert.Equal(await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(project)!, "README.md")), await reader.ReadToEndAsync());
            }

            XElement metadata = ReadNuspec(archive).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            XElement license = Element(metadata, "license");
            Assert.Equal("expression", (string?)license.Attribute("type"));
            Assert.Equal("MIT", license.Value);
            Assert.Equal("README.md", Element(metadata, "readme").Value);
            XElement repository = Element(metadata, "repository");
            Assert.Equal("git", (string?)repository.Attribute("type"));
            Assert.Matches("^[0-9a-f]{40}$", (string?)repository.Attribute("commit") ?? string.Empty);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static XDocument ReadNuspec(ZipArchive archive)
    {
        ZipArchiveEntry nuspec = archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        using Stream stream = nuspec.Open();
        return XDocument.Load(stream);
    }

    private static XElement Element(XElement parent, string name) =>
        parent.Elements().SingleOrDefault(e => e.Name.LocalName == name) ?? throw new Xunit.Sdk.XunitException($"The nuspec has no <{name}>.");
}
