// Exfiltration endpoints: chat webhooks that turn a message into a drop box.
//
// airlock built-in rules (docs/rules/yara-match.md). The host may carry further labels (a proxy
// such as discord.com.example.invalid), so the URL's shape, not an exact host, is matched.

rule exfil_discord_webhook
{
    meta:
        id = "yara-exfil-discord-webhook"
        severity = "high"
        description = "a Discord webhook URL with its id and token (anyone holding it can post messages)"
    strings:
        $url = /discord(app)?\.com[A-Za-z0-9.-]{0,40}\/api\/(v[0-9]+\/)?webhooks\/[0-9]{15,21}\/[A-Za-z0-9_-]{50,}/
    condition:
        $url
}

rule exfil_telegram_bot
{
    meta:
        id = "yara-exfil-telegram-bot"
        severity = "high"
        description = "a Telegram Bot API URL with a bot token (messages and files sent to a chat)"
    strings:
        $url = /api\.telegram\.org[A-Za-z0-9.-]{0,40}\/bot[0-9]{6,12}:[A-Za-z0-9_-]{30,}/
    condition:
        $url
}
