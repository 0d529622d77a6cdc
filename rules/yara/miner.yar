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
        $url = /stratum[12]?\+(tcp|ssl|tls):\/\/[A-Za-z0-9._-]{3,}/ nocase
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

rule miner_pool_host
{
    meta:
        id = "yara-miner-pool-host"
        severity = "medium"
        description = "the host name of a well-known public mining pool"
    strings:
        $h1 = "supportxmr.com" ascii nocase
        $h2 = "moneroocean.stream" ascii nocase
        $h3 = "minexmr.com" ascii nocase
        $h4 = "nanopool.org" ascii nocase
        $h5 = "c3pool.com" ascii nocase
        $h6 = "hashvault.pro" ascii nocase
        $h7 = "herominers.com" ascii nocase
        $h8 = "unmineable.com" ascii nocase
        $h9 = "minergate.com" ascii nocase
        $h10 = "2miners.com" ascii nocase
        $h11 = "f2pool.com" ascii nocase
        $h12 = "ethermine.org" ascii nocase
    condition:
        any of them
}
