"""Downlink link budgets: from transmitter power to the level each technology measures.

Each technology's coverage is judged on a different measured quantity:

* 2G: RxLev of the BCCH carrier (the whole carrier's power, one 200 kHz channel);
* 3G: CPICH RSCP (the pilot channel's received code power);
* 4G: RSRP (the power of one cell-specific reference-signal resource element);
* 5G: SS-RSRP (the power of one SS/PBCH-block secondary-synchronisation resource
  element).

:func:`reference_signal_offset_db` gives the dB between the carrier's total EIRP and
that quantity, so that ``signal = EIRP - offset - path loss + pattern + RX gain -
RX losses`` is directly comparable with :data:`DEFAULT_THRESHOLDS_DBM`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# The thresholds are defined, with their sources, in the settings; re-exported here.
from ..settings import DEFAULT_THRESHOLDS_DBM  # noqa: F401

FloatOrArray = float | np.ndarray


#: Subcarriers (resource elements per OFDM symbol) in one resource block, LTE and NR.
RE_PER_RB = 12

#: LTE transmission bandwidth in resource blocks by channel bandwidth in MHz
#: (3GPP TS 36.101 Table 5.6-1).
LTE_RESOURCE_BLOCKS: dict[float, int] = {1.4: 6, 3: 15, 5: 25, 10: 50, 15: 75, 20: 100}

#: NR FR1 maximum transmission bandwidth in resource blocks, by subcarrier spacing in kHz
#: then channel bandwidth in MHz (3GPP TS 38.101-1 Table 5.3.2-1).
NR_RESOURCE_BLOCKS: dict[int, dict[float, int]] = {
    15: {5: 25, 10: 52, 15: 79, 20: 106, 25: 133, 30: 160, 40: 216, 50: 270},
    30: {
        5: 11,
        10: 24,
        15: 38,
        20: 51,
        25: 65,
        30: 78,
        40: 106,
        50: 133,
        60: 162,
        70: 189,
        80: 217,
        90: 245,
        100: 273,
    },
}

#: Bandwidths assumed when ``bandwidth_mhz`` is not given, MHz.
DEFAULT_BANDWIDTH_MHZ: dict[str, float] = {"4G": 20.0, "5G": 100.0}

_TECHNOLOGIES = ("2G", "3G", "4G", "5G")


def _result(arr: np.ndarray) -> FloatOrArray:
    return arr[()] if arr.ndim == 0 else arr


def _check_technology(technology: str) -> None:
    if technology not in _TECHNOLOGIES:
        raise ValueError(
            f"technology must be one of {', '.join(map(repr, _TECHNOLOGIES))}; got {technology!r}"
        )


def _allowed(table: dict[float, int]) -> str:
    return ", ".join(f"{b:g}" for b in table)


def reference_signal_offset_db(
    technology: str,
    *,
    bandwidth_mhz: float | None = None,
    scs_khz: int = 30,
    cpich_fraction: float = 0.1,
) -> float:
    """Return the dB to subtract from the carrier's total EIRP to get the measured level.

    * 2G: 0 dB (RxLev of the BCCH carrier, which carries the full power);
    * 3G: ``10 log10(1 / cpich_fraction)`` (CPICH at 10 % of the carrier power by
      default: 10 dB);
    * 4G: ``10 log10(12 N_RB)``, N_RB from :data:`LTE_RESOURCE_BLOCKS` (20 MHz by
      default: 100 RB, 30.79 dB);
    * 5G: ``10 log10(12 N_RB)``, N_RB from :data:`NR_RESOURCE_BLOCKS` (100 MHz at 30 kHz
      by default: 273 RB, 35.15 dB).

    For 4G and 5G the power is assumed spread evenly over all resource elements, so
    RSRP / SS-RSRP is the total power divided by their number (no reference-signal power
    boosting).

    Parameters
    ----------
    technology
        ``"2G"``, ``"3G"``, ``"4G"`` or ``"5G"``.
    bandwidth_mhz
        Channel bandwidth in MHz, 4G and 5G only (ignored for 2G and 3G).
    scs_khz
        NR subcarrier spacing, 15 or 30 kHz (5G only).
    cpich_fraction
        Share of the 3G carrier power on the CPICH, in (0, 1].
    """
    _check_technology(technology)
    if technology == "2G":
        return 0.0
    if technology == "3G":
        if not 0 < cpich_fraction <= 1:
            raise ValueError(f"cpich_fraction must be in (0, 1]; got {cpich_fraction!r}")
        return float(10.0 * np.log10(1.0 / cpich_fraction))
    bw = DEFAULT_BANDWIDTH_MHZ[technology] if bandwidth_mhz is None else bandwidth_mhz
    if technology == "4G":
        table = LTE_RESOURCE_BLOCKS
        if bw not in table:
            raise ValueError(f"bandwidth_mhz for 4G must be one of {_allowed(table)}; got {bw!r}")
    else:
        if scs_khz not in NR_RESOURCE_BLOCKS:
            raise ValueError(
                f"scs_khz must be one of {', '.join(map(str, NR_RESOURCE_BLOCKS))}; got {scs_khz!r}"
            )
        table = NR_RESOURCE_BLOCKS[scs_khz]
        if bw not in table:
            raise ValueError(
                f"bandwidth_mhz for 5G at {scs_khz} kHz must be one of {_allowed(table)}; "
                f"got {bw!r}"
            )
    return float(10.0 * np.log10(RE_PER_RB * table[bw]))


def eirp_dbm(
    tx_power_dbm: npt.ArrayLike, antenna_gain_dbi: npt.ArrayLike, losses_db: npt.ArrayLike = 0.0
) -> FloatOrArray:
    """Return the EIRP in dBm: ``P_tx + G_ant - losses`` (feeder, connector, combiner).

    Parameters
    ----------
    tx_power_dbm
        Transmitter output power in dBm (total carrier power).
    antenna_gain_dbi
        Peak antenna gain in dBi.
    losses_db
        Losses between transmitter and antenna in dB.
    """
    total = (
        np.asarray(tx_power_dbm, dtype=float)
        + np.asarray(antenna_gain_dbi, dtype=float)
        - np.asarray(losses_db, dtype=float)
    )
    return _result(total)


def signal_dbm(
    eirp_dbm: npt.ArrayLike,
    path_loss_db: npt.ArrayLike,
    *,
    technology: str,
    antenna_attenuation_db: npt.ArrayLike = 0.0,
    rx_gain_dbi: npt.ArrayLike = 0.0,
    rx_losses_db: npt.ArrayLike = 0.0,
    bandwidth_mhz: float | None = None,
) -> FloatOrArray:
    """Return the received level of the technology's measured quantity in dBm.

    ``S = EIRP - offset - L + A + G_rx - L_rx``, with ``offset`` from
    :func:`reference_signal_offset_db` (default bandwidths) and ``A`` the transmit
    antenna pattern towards the receiver (<= 0 dB, e.g. from
    :func:`coverage.radio.antenna.sector_gain_db`).

    Parameters
    ----------
    eirp_dbm
        Peak EIRP of the carrier in dBm (see :func:`eirp_dbm`).
    path_loss_db
        Path loss in dB.
    technology
        ``"2G"``, ``"3G"``, ``"4G"`` or ``"5G"``.
    antenna_attenuation_db
        Transmit pattern towards the receiver in dB, <= 0 (a gain relative to boresight).
    rx_gain_dbi
        Receive antenna gain in dBi.
    rx_losses_db
        Receive-side losses (body, cable) in dB.
    bandwidth_mhz
        Channel bandwidth for 4G/5G (see :func:`reference_signal_offset_db`).
    """
    offset = reference_signal_offset_db(technology, bandwidth_mhz=bandwidth_mhz)
    level = (
        np.asarray(eirp_dbm, dtype=float)
        - offset
        - np.asarray(path_loss_db, dtype=float)
        + np.asarray(antenna_attenuation_db, dtype=float)
        + np.asarray(rx_gain_dbi, dtype=float)
        - np.asarray(rx_losses_db, dtype=float)
    )
    return _result(level)


def max_path_loss_db(
    eirp_dbm: npt.ArrayLike, threshold_dbm: npt.ArrayLike, *, technology: str, **budget
) -> FloatOrArray:
    """Return the largest path loss in dB at which the level still reaches the threshold.

    The inverse of :func:`signal_dbm`:
    ``L_max = EIRP - offset + A + G_rx - L_rx - threshold``.

    Parameters
    ----------
    eirp_dbm
        Peak EIRP of the carrier in dBm.
    threshold_dbm
        Required level of the measured quantity in dBm (e.g.
        ``DEFAULT_THRESHOLDS_DBM[technology]``).
    technology
        As for :func:`signal_dbm`.
    **budget
        The other terms of :func:`signal_dbm`: ``antenna_attenuation_db``,
        ``rx_gain_dbi``, ``rx_losses_db``, ``bandwidth_mhz``.
    """
    at_zero_loss = signal_dbm(eirp_dbm, 0.0, technology=technology, **budget)
    return _result(np.asarray(at_zero_loss - np.asarray(threshold_dbm, dtype=float)))
