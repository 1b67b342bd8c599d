// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IJobMarket} from "../interfaces/IJobMarket.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {IStakingVault} from "../interfaces/IStakingVault.sol";

/// @title ProviderEligibility
/// @notice Whether a provider may take a JobMarket lease of a model class: active in the registry, and its pool's
/// eligible stake in the vault covering what its attested GPUs of the class require.
library ProviderEligibility {
    /// @notice Reverts with `JobMarketProviderNotActive` or `JobMarketInsufficientStake` unless `provider` is active
    /// and staked for its attested GPUs (the registry's commit enforces its free GPUs at award).
    function enforce(IProviderRegistry registry, IStakingVault vault, address provider, bytes32 modelClass)
        internal
        view
    {
        (IProviderRegistry.ProviderStatus status, uint256 required,) = registry.eligibility(provider, modelClass);
        require(status == IProviderRegistry.ProviderStatus.Active, IJobMarket.JobMarketProviderNotActive(provider));
        uint256 stake = vault.eligibleStake(provider);
        require(stake >= required, IJobMarket.JobMarketInsufficientStake(provider, stake, required));
    }

    /// @notice Whether `provider` can take an award of `gpuCount` GPUs now, and whether it is still active (the vault
    /// is read only for an active provider with the GPUs free).
    function check(
        IProviderRegistry registry,
        IStakingVault vault,
        address provider,
        bytes32 modelClass,
        uint256 gpuCount
    ) internal view returns (bool eligible, bool active) {
        (IProviderRegistry.ProviderStatus status, uint256 required, uint256 free) =
            registry.eligibility(provider, modelClass);
        active = status == IProviderRegistry.ProviderStatus.Active;
        eligible = active && free >= gpuCount && vault.eligibleStake(provider) >= required;
    }
}
