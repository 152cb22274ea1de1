// Generated from configs/universe.yaml by `npm run schema`; edit the YAML, not this file.
// Compiled in so that Lambda bundles and the engine image never read the repository at run time.
export const UNIVERSE_DATA = {
  "symbols": [
    {
      "base": "BTC",
      "refPriceUsd": 95000
    },
    {
      "base": "ETH",
      "refPriceUsd": 3200
    },
    {
      "base": "XRP",
      "refPriceUsd": 2.2
    },
    {
      "base": "SOL",
      "refPriceUsd": 140
    },
    {
      "base": "DOGE",
      "refPriceUsd": 0.16
    },
    {
      "base": "ADA",
      "refPriceUsd": 0.45
    },
    {
      "base": "TRX",
      "refPriceUsd": 0.28
    },
    {
      "base": "LINK",
      "refPriceUsd": 13
    },
    {
      "base": "AVAX",
      "refPriceUsd": 14
    },
    {
      "base": "DOT",
      "refPriceUsd": 2.4
    },
    {
      "base": "BCH",
      "refPriceUsd": 520
    },
    {
      "base": "XLM",
      "refPriceUsd": 0.25
    },
    {
      "base": "SUI",
      "refPriceUsd": 1.6
    },
    {
      "base": "HBAR",
      "refPriceUsd": 0.15
    },
    {
      "base": "LTC",
      "refPriceUsd": 90
    },
    {
      "base": "SHIB",
      "refPriceUsd": 0.000009
    },
    {
      "base": "NEAR",
      "refPriceUsd": 2
    },
    {
      "base": "APT",
      "refPriceUsd": 2.5
    },
    {
      "base": "UNI",
      "refPriceUsd": 6
    },
    {
      "base": "ETC",
      "refPriceUsd": 13
    },
    {
      "base": "AAVE",
      "refPriceUsd": 180
    },
    {
      "base": "POL",
      "refPriceUsd": 0.13
    },
    {
      "base": "ATOM",
      "refPriceUsd": 2.6
    },
    {
      "base": "ALGO",
      "refPriceUsd": 0.14
    },
    {
      "base": "ARB",
      "refPriceUsd": 0.22
    },
    {
      "base": "OP",
      "refPriceUsd": 0.35
    },
    {
      "base": "FIL",
      "refPriceUsd": 1.6
    },
    {
      "base": "INJ",
      "refPriceUsd": 6
    },
    {
      "base": "SEI",
      "refPriceUsd": 0.14
    },
    {
      "base": "STX",
      "refPriceUsd": 0.3
    },
    {
      "base": "IMX",
      "refPriceUsd": 0.35
    },
    {
      "base": "GRT",
      "refPriceUsd": 0.05
    },
    {
      "base": "SAND",
      "refPriceUsd": 0.15
    },
    {
      "base": "MANA",
      "refPriceUsd": 0.17
    },
    {
      "base": "AXS",
      "refPriceUsd": 1
    },
    {
      "base": "THETA",
      "refPriceUsd": 0.35
    },
    {
      "base": "CHZ",
      "refPriceUsd": 0.03
    },
    {
      "base": "ENS",
      "refPriceUsd": 10
    },
    {
      "base": "PEPE",
      "refPriceUsd": 0.000005
    },
    {
      "base": "BONK",
      "refPriceUsd": 0.00001
    },
    {
      "base": "WLD",
      "refPriceUsd": 0.6
    },
    {
      "base": "ONDO",
      "refPriceUsd": 0.5
    },
    {
      "base": "RENDER",
      "refPriceUsd": 1.8
    },
    {
      "base": "TIA",
      "refPriceUsd": 0.7
    },
    {
      "base": "JUP",
      "refPriceUsd": 0.25
    },
    {
      "base": "PENDLE",
      "refPriceUsd": 2.5
    },
    {
      "base": "ZRO",
      "refPriceUsd": 1.4
    },
    {
      "base": "ENA",
      "refPriceUsd": 0.25
    },
    {
      "base": "CRV",
      "refPriceUsd": 0.4
    },
    {
      "base": "ZK",
      "refPriceUsd": 0.05
    }
  ],
  "usdRates": {
    "USD": 1,
    "USDT": 1,
    "USDC": 1,
    "KRW": 1380,
    "EUR": 0.92,
    "JPY": 150
  }
} as const;
