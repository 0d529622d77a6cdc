// Cryptocurrency miners: pool protocols, xmrig configuration and flags, well-known pool hosts.
//
// airlock built-in rules (docs/rules/yara-match.md). Every rule carries `id` (stable,
// kebab-case), `severity` (critical|high|medium|low|info) and `description`.

rule miner_stratum_url
{
    meta:
        id = "yara-miner-stratum"
        severity = "high"
        description = "a Stratum mining-pool URL (stratum+tcp://, stratum+ssl://, stratum+tls://)"
    strings:
        // Any host after the scheme: `[^\s\/]` and not a host-name class, which yara-x matched
        // twice as slowly over the corpus (BENCHMARKS.md, session 8), and which is broader.
        $url = /stratum[12]?\+(tcp|ssl|tls):\/\/[^\s\/]{3,}/
    condition:
        $url
}

rule miner_xmrig_config
{
    meta:
        id = "yara-miner-xmrig"
        severity = "high"
        description = "an xmrig miner configuration (\"donate-level\" with \"pools\") or its --donate-level flag"
    strings:
        $donate = "\"donate-level\"" ascii
        $pools = "\"pools\"" ascii
        $flag = /--donate-level[= ][0-9]/ ascii
    condition:
        ($donate and $pools) or $flag
}

// Case-sensitive on purpose: host names are written in lower case, and `nocase` multiplies the
// atoms the scanner has to look for (measured: twice the matching time over Python sources).
rule miner_pool_host
{
    meta:
        id = "yara-miner-pool-host"
        severity = "medium"
        // A pool named in documentation or a detection rule file (GuardDog ships one) is a
        // mention.
        doc_severity = "low"
        description = "the host name of a well-known public mining pool"
    strings:
        $h1 = "supportxmr.com" ascii
        $h2 = "moneroocean.stream" ascii
        $h3 = "minexmr.com" ascii
        $h4 = "nanopool.org" ascii
        $h5 = "c3pool.com" ascii
        $h6 = "hashvault.pro" ascii
        $h7 = "herominers.com" ascii
        $h8 = "unmineable.com" ascii
        $h9 = "minergate.com" ascii
        $h10 = "2miners.com" ascii
        $h11 = "f2pool.com" ascii
        $h12 = "ethermine.org" ascii
    condition:
        any of them
}
